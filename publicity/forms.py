from django import forms

from core.forms import DateInput
from publicity.models import OBJECTION_MAX_CHARS, ObjectionStatus


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
