from django import forms

from surveys.models import Answer, DefaultCategory
from surveys.services import MAX_ISSUE, SUGGESTIONS_MAX

ANSWER_CHOICES = [(str(v), label) for v, label in Answer.choices]


class SurveyForm(forms.Form):
    """The respondent's form: the overall question (required), one optional question per indicator, optional
    category and suggestions. Built for the org's rubric."""

    overall = forms.TypedChoiceField(
        label="对该党组织的总体评价", choices=ANSWER_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "请选择对该党组织的总体评价（必答）。"},
    )
    category = forms.ChoiceField(
        label="您的身份（选填）", required=False, widget=forms.RadioSelect,
        choices=[*DefaultCategory.choices, ("", "不填写")], initial="",
    )
    suggestions = forms.CharField(
        label="意见建议（选填）", required=False, max_length=SUGGESTIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": SUGGESTIONS_MAX}),
        error_messages={"max_length": f"意见建议不能超过 {SUGGESTIONS_MAX} 字（当前 %(show_value)d 字）。"},
    )

    def __init__(self, *args, indicators=(), categories=None, asked=None, grade_labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:  # the campaign's [(key, name)]
            self.fields["category"].choices = [*categories, ("", "不填写")]
        if asked is not None and asked.grade_vote:  # the grade vote (surveys.selectors.survey_mode_of)
            self.fields["grade_vote"] = forms.ChoiceField(
                label="您评定该党组织的等次", widget=forms.RadioSelect, choices=[(g, g) for g in grade_labels],
                error_messages={"required": "请选择您评定的等次（必答）。"})
        if asked is not None and not asked.satisfaction:
            del self.fields["overall"]
        self.asks_satisfaction = "overall" in self.fields
        self.asks_grade = "grade_vote" in self.fields
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"ind_{indicator.pk}"] = forms.ChoiceField(
                label=indicator.name, required=False, widget=forms.RadioSelect,
                choices=[*ANSWER_CHOICES, ("", "不评价")], initial="",
            )

    def indicator_fields(self):
        return [self[f"ind_{i.pk}"] for i in self.indicators]

    def indicator_answers(self) -> dict[str, int]:
        return {str(i.pk): int(self.cleaned_data[f"ind_{i.pk}"]) for i in self.indicators
                if self.cleaned_data.get(f"ind_{i.pk}")}


_ANSWER_VALUES = frozenset(value for value, _ in ANSWER_CHOICES)
# The quick path knows no campaign: it takes the default keys only, any other category goes through the full form.
_CATEGORY_VALUES = frozenset(["", *DefaultCategory.values])


def quick_answers(data) -> dict | None:
    """The answers of a POST exactly as SurveyForm would clean them — overall, category, suggestions and
    indicator_answers, ready for services.answer_by_code — when checking them needs nothing but the POST itself;
    None whenever anything is missing, invalid or unusual, and the full form (built for the org's rubric) must
    decide and show its messages. An answered `ind_<id>` whose id is not of the org's rubric is left to
    answer_by_code, which then stores nothing (the full form ignores such a field)."""
    overall = data.get("overall")
    category = data.get("category") or ""
    suggestions = data.get("suggestions") or ""
    if overall not in _ANSWER_VALUES or category not in _CATEGORY_VALUES or "\x00" in suggestions:
        return None
    if "grade_vote" in data:  # the grade vote needs the org's scale: the full form decides
        return None
    suggestions = suggestions.strip()
    if len(suggestions) > SUGGESTIONS_MAX:
        return None
    answers = {}
    for key in data:
        if key.startswith("ind_"):
            pk, value = key[4:], data.get(key)
            if not (pk.isascii() and pk.isdigit() and pk == str(int(pk))) or value not in _ANSWER_VALUES | {""}:
                return None
            if value:
                answers[pk] = int(value)
    return {"overall": int(overall), "category": category, "suggestions": suggestions,
            "indicator_answers": answers}


class IssueTokensForm(forms.Form):
    count = forms.IntegerField(label="发放数量", min_value=1, max_value=MAX_ISSUE, initial=30,
                               error_messages={"required": "请填写发放数量。", "invalid": "发放数量必须是整数。",
                                               "min_value": "发放数量至少为 1。",
                                               "max_value": f"一次最多发放 {MAX_ISSUE} 个测评码。"})
    output = forms.ChoiceField(label="下载", widget=forms.RadioSelect, initial="pdf", choices=[
        ("pdf", "打印用测评票（PDF，每页 10 张）"), ("csv", "测评链接表（CSV，用于短信、微信发送）"),
    ])


class PaperCountsForm(forms.Form):
    """Overall counts (required) and, where known, the counts by respondent category (the campaign's)."""

    ROWS = [("overall", "总体（全部纸质票）"), *[(key, f"其中：{name}") for key, name in DefaultCategory.choices]]
    ANSWERS = [("s", "满意"), ("b", "基本满意"), ("u", "不满意")]

    def __init__(self, *args, categories=None, asked=None, grade_labels=(), **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:  # the campaign's [(key, name)]
            self.ROWS = [("overall", "总体（全部纸质票）"), *[(key, f"其中：{name}") for key, name in categories]]
        self.asked_satisfaction = asked is None or asked.satisfaction
        if not self.asked_satisfaction:
            self.ROWS = []
        self.grade_labels = list(grade_labels) if asked is not None and asked.grade_vote else []
        for i, label in enumerate(self.grade_labels):
            self.fields[f"grade_{i}"] = forms.IntegerField(
                label=f"{label}票", required=False, min_value=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
                error_messages={"invalid": f"{label}票：请填写整数。", "min_value": f"{label}票：不能为负数。"})
        for key, row_label in self.ROWS:
            for a, a_label in self.ANSWERS:
                self.fields[f"{key}_{a}"] = forms.IntegerField(
                    label=f"{row_label}·{a_label}", required=False, min_value=0,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
                    error_messages={"invalid": f"{row_label}·{a_label}：请填写整数。",
                                    "min_value": f"{row_label}·{a_label}：不能为负数。"},
                )

    def rows(self):
        return [(label, [self[f"{key}_{a}"] for a, _ in self.ANSWERS]) for key, label in self.ROWS]

    def grade_fields(self):
        return [self[f"grade_{i}"] for i in range(len(self.grade_labels))]

    def raw_counts(self) -> dict:
        raw = {key: [self.cleaned_data.get(f"{key}_{a}") for a, _ in self.ANSWERS] for key, _ in self.ROWS}
        if self.grade_labels:
            raw["grade"] = {label: self.cleaned_data.get(f"grade_{i}") for i, label in enumerate(self.grade_labels)}
        return raw

    @classmethod
    def initial_from(cls, counts: dict, grade_labels=()) -> dict:
        initial = {f"{key}_{a}": values[i] for key, values in counts.items() if isinstance(values, list)
                   for i, (a, _) in enumerate(cls.ANSWERS)}
        grade = counts.get("grade") or {}
        initial.update({f"grade_{i}": grade[label] for i, label in enumerate(grade_labels) if label in grade})
        return initial
