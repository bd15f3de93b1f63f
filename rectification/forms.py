"""Forms of the pages after the grades. They only parse input; rules live in the services."""
from django import forms

from core.forms import DateInput


class SupportForm(forms.Form):
    contact_leader = forms.CharField(label="联系领导", required=False, max_length=100)
    yellow_card_deadline = forms.DateField(label="黄牌整改期限", required=False, widget=DateInput(),
                                           error_messages={"invalid": "黄牌整改期限格式不正确。"})


class ItemForm(forms.Form):
    problem = forms.CharField(label="存在问题", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写存在问题。"})
    measures = forms.CharField(label="整改措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                               error_messages={"required": "请填写整改措施。"})
    responsible = forms.CharField(label="责任人", max_length=50, error_messages={"required": "请填写责任人。"})
    deadline = forms.DateField(label="完成时限", widget=DateInput(),
                               error_messages={"required": "请填写完成时限。", "invalid": "完成时限格式不正确。"})


class ProgressForm(forms.Form):
    text = forms.CharField(label="整改进展", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写整改进展。"})
    completed = forms.BooleanField(label="已完成，申请验收", required=False)


class ReviewItemForm(forms.Form):
    decision = forms.ChoiceField(label="验收结果", widget=forms.RadioSelect,
                                 choices=[("accept", "验收通过"), ("return", "退回整改")],
                                 error_messages={"required": "请选择验收结果。"})
    note = forms.CharField(label="验收意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class LowerStarForm(forms.Form):
    label = forms.ChoiceField(label="降为", required=False)
    reason = forms.CharField(label="降级理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写降级理由。"})

    def __init__(self, *args, lower_labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "—")] + [(x, x) for x in lower_labels]


class RevokeStarForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写撤销理由。"})
