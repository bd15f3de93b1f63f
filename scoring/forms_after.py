"""Forms of the pages after the grades. They only parse input; rules live in the services."""
from django import forms
from django.core.exceptions import ValidationError

from scoring.models import INVESTIGATION_CHECKS, OBJECTION_MAX_CHARS, ObjectionStatus

YES_NO = [("1", "是"), ("0", "否")]


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else at the top."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InvestigationForm(forms.Form):
    summary = forms.CharField(label="主要问题及情况说明", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for key, label in INVESTIGATION_CHECKS:
            fields[f"{key}_ok"] = forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect,
                                                    error_messages={"required": f"请选择「{label}」：是或否。"})
            fields[f"{key}_note"] = forms.CharField(label="说明", required=False, max_length=500,
                                                    widget=forms.TextInput(attrs={"placeholder": "情况说明（可选）"}))
        fields["summary"] = self.fields.pop("summary")
        self.fields = fields

    def rows(self):
        return [(label, self[f"{key}_ok"], self[f"{key}_note"]) for key, label in INVESTIGATION_CHECKS]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        for key, _ in INVESTIGATION_CHECKS:
            data[f"{key}_ok"] = data[f"{key}_ok"] == "1"
        return data

    @staticmethod
    def initial_from(values: dict) -> dict:
        return {k: ("1" if v else "0") if k.endswith("_ok") else v for k, v in values.items()}


class PublishForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", widget=DateInput(),
                                error_messages={"required": "请选择公示开始日期。", "invalid": "公示开始日期格式不正确。"})
    days = forms.IntegerField(label="公示天数", min_value=1, max_value=30,
                              error_messages={"required": "请填写公示天数。", "min_value": "公示天数至少为 1 天。",
                                              "max_value": "公示天数不能超过 30 天。", "invalid": "公示天数须为整数。"})


class ObjectionForm(forms.Form):
    org = forms.ChoiceField(label="涉及党组织", required=False)
    text = forms.CharField(label="异议内容", max_length=OBJECTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "请填写异议内容。",
                                           "max_length": f"异议内容不能超过 {OBJECTION_MAX_CHARS} 字。"})
    contact = forms.CharField(label="联系方式（可选）", required=False, max_length=100,
                              error_messages={"max_length": "联系方式不能超过 100 字。"})

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", "整个公示名单")] + [(str(r.org_id), r.org_name) for r in results]


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label="处理结果", widget=forms.RadioSelect,
                                 choices=[(ObjectionStatus.UPHELD, "异议成立（重新评定该组织）"),
                                          (ObjectionStatus.REJECTED, "异议不成立")],
                                 error_messages={"required": "请选择处理结果。"})
    reply = forms.CharField(label="答复意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": "请填写答复意见。"})
    org = forms.ChoiceField(label="需重新评定的党组织（异议针对整体名单时选择）", required=False)

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", "—")] + [(str(r.org_id), r.org_name) for r in results]


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


class StarChangeForm(forms.Form):
    action = forms.ChoiceField(label="调整", widget=forms.RadioSelect,
                               choices=[("lower", "降低星级"), ("revoke", "撤销星级")],
                               error_messages={"required": "请选择降低或撤销。"})
    label = forms.ChoiceField(label="降为", required=False)
    reason = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写调整理由。"})

    def __init__(self, *args, lower_labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "—")] + [(x, x) for x in lower_labels]
