"""Forms of the grading pages. Scores are typed as text and checked with services.sheets.parse_score, so that
every message names the criterion (or indicator) it is about."""
from django import forms
from django.core.exceptions import ValidationError

from core.workbook import SCORES, size_error
from scoring.models import INVESTIGATION_CHECKS, SheetLevel
from scoring.services.sheets import _item_key, parse_score


class ScoreSheetForm(forms.Form):
    """One input per criterion (level "criterion") or per indicator (level "indicator"), one note per indicator.

    `required`: every score must be given (submit / review); otherwise blanks are allowed (draft)."""

    def __init__(self, *args, indicators, level=SheetLevel.CRITERION, required=False, with_notes=True,
                 initial_scores=None, initial_notes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators, self.level, self.required = indicators, level, required
        self.items = []  # (field name, indicator, criterion or None, max)
        initial_scores, initial_notes = initial_scores or {}, initial_notes or {}
        for ind in indicators:
            targets = ind.items if level == SheetLevel.CRITERION else [None]
            for crit in targets:
                name = f"c{crit.pk}" if crit else f"i{ind.pk}"
                maximum = crit.max_score if crit else ind.max_score
                key = crit.pk if crit else ind.pk
                value = initial_scores.get(key)
                self.fields[name] = forms.CharField(
                    label=_item_key(ind, crit), required=False, max_length=10,
                    initial="" if value is None else str(value),
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                  "placeholder": f"0～{maximum.normalize():f}",
                                                  "aria-label": f"{_item_key(ind, crit)} 得分（满分 {maximum.normalize():f}）"}),
                )
                self.items.append((name, ind, crit, maximum))
            if with_notes:
                self.fields[f"n{ind.pk}"] = forms.CharField(
                    label=f"{ind.name} 说明", required=False, max_length=2000, initial=initial_notes.get(ind.pk, ""),
                    widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        for name, ind, crit, maximum in self.items:
            try:
                data[name] = parse_score(data.get(name), maximum, _item_key(ind, crit), required=self.required)
            except ValidationError as e:
                self.add_error(name, e.messages[0])
        return data

    def scores(self) -> dict:
        """{criterion_id or indicator_id: Decimal or None} from cleaned data."""
        out = {}
        for name, ind, crit, _ in self.items:
            out[crit.pk if crit else ind.pk] = self.cleaned_data.get(name)
        return out

    def notes(self) -> dict:
        return {ind.pk: self.cleaned_data.get(f"n{ind.pk}", "") for ind in self.indicators if f"n{ind.pk}" in self.fields}

    def field_for(self, ind, crit=None):
        return self[f"c{crit.pk}" if crit else f"i{ind.pk}"]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写退回修改的理由。"})


class OverrideForm(forms.Form):
    label = forms.ChoiceField(label="最终等次", choices=())
    reason = forms.CharField(label="调整理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "调整等次必须填写理由。"})

    def __init__(self, *args, labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A blank first choice: the committee picks the grade deliberately, nothing is preselected.
        self.fields["label"].choices = [("", "请选择最终等次"), *((lb, lb) for lb in labels)]
        self.fields["label"].error_messages["invalid_choice"] = "请选择本领域等次标准中的一个等次。"
        self.fields["label"].error_messages["required"] = "请选择最终等次。"


class ScoresUploadForm(forms.Form):
    file = forms.FileField(label="线下成绩工作簿（.xlsx）", error_messages={"required": "请选择要上传的 Excel 文件。"})

    def clean_file(self):
        f = self.cleaned_data["file"]
        if message := size_error(f.size, SCORES):  # the cap table's limit
            raise ValidationError(message)
        return f


YES_NO = [("1", "是"), ("0", "否")]


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
