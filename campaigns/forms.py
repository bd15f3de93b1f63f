"""Forms of the setup pages. They only collect input: every rule is checked by scoring.services.{rubrics,campaigns},
so the web pages and the management commands refuse exactly the same things with the same messages."""
from django import forms
from django.utils import timezone

from branches.models import Org, OrgKind, Sector
from campaigns.models import Campaign, GradeScale, Phase, RubricVersion
from campaigns.rubrics import CriterionData, IndicatorData, parse_score
from campaigns.services import (
    DEFAULT_FLOOR_GATE,
    DEFAULT_TOP_GATE,
    DEFAULT_WEIGHTS,
    default_scale_code,
)


class RubricImportForm(forms.Form):
    sector = forms.ModelChoiceField(Sector.objects.order_by("order", "name"), label="领域", empty_label=None)
    name = forms.CharField(label="版本名称", max_length=100, help_text="如“2026版”；同一领域内不能重名。")
    file = forms.FileField(label="评分标准工作簿（.xlsx）",
                           help_text="表头：指标、指标分值、细则、细则分值、评分说明（顺序不限，其他列忽略）。")


class RubricCopyForm(forms.Form):
    name = forms.CharField(label="新版本名称", max_length=100)


SCORE_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class RubricEditForm(forms.Form):
    """One field per indicator name/maximum and per criterion text/maximum/guidance of an existing version."""

    def __init__(self, *args, indicators: list[IndicatorData], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.groups = []
        for ind in indicators:
            self.fields[f"ind_{ind.pk}_name"] = forms.CharField(
                label="指标", initial=ind.name, required=False,
                widget=forms.TextInput(attrs={"class": "text-left"}))
            self.fields[f"ind_{ind.pk}_max"] = forms.CharField(label="指标分值", initial=_plain(ind.max_score),
                                                               required=False, widget=SCORE_INPUT)
            rows = []
            for c in ind.criteria:
                self.fields[f"crit_{c.pk}_text"] = forms.CharField(label="细则", initial=c.text, required=False,
                                                                   widget=forms.Textarea(attrs={"rows": 2}))
                self.fields[f"crit_{c.pk}_max"] = forms.CharField(label="细则分值", initial=_plain(c.max_score),
                                                                  required=False, widget=SCORE_INPUT)
                self.fields[f"crit_{c.pk}_guidance"] = forms.CharField(
                    label="评分说明", initial=c.guidance, required=False, widget=forms.Textarea(attrs={"rows": 2}))
                rows.append((self[f"crit_{c.pk}_text"], self[f"crit_{c.pk}_max"], self[f"crit_{c.pk}_guidance"]))
            self.groups.append({"name": self[f"ind_{ind.pk}_name"], "max": self[f"ind_{ind.pk}_max"],
                                "criteria": rows})

    def clean(self):
        data = super().clean()
        result = []
        for i, ind in enumerate(self.indicators, start=1):
            name = (data.get(f"ind_{ind.pk}_name") or "").strip()
            label = f"第{i}个指标“{name or ind.name}”"
            maximum, problem = parse_score(data.get(f"ind_{ind.pk}_max"))
            if problem or maximum is None:
                self.add_error(f"ind_{ind.pk}_max", f"{label}的指标分值：{problem or '不能为空'}")
            criteria = []
            for j, c in enumerate(ind.criteria, start=1):
                cmax, problem = parse_score(data.get(f"crit_{c.pk}_max"))
                if problem or cmax is None:
                    self.add_error(f"crit_{c.pk}_max", f"{label}第{j}条细则的分值：{problem or '不能为空'}")
                criteria.append(CriterionData(text=(data.get(f"crit_{c.pk}_text") or "").strip(), max_score=cmax,
                                              guidance=(data.get(f"crit_{c.pk}_guidance") or "").strip(), pk=c.pk))
            result.append(IndicatorData(name=name, max_score=maximum, criteria=criteria, pk=ind.pk))
        self.rubric_data = result
        return data


def _plain(value):
    if value is None:
        return ""
    text = format(value, "f")
    return text[:-2] if text.endswith(".0") else text


class CampaignForm(forms.Form):
    """Fields for create_campaign(); per sector a 参加 checkbox, a rubric and a scale select with defaults."""

    name = forms.CharField(label="名称", max_length=200, help_text="如“2026年度基层党组织分类定级”。")
    slug = forms.CharField(label="代码", max_length=64, help_text="字母、数字、连字符，用于网址和命令，如 2026-county。")
    year = forms.IntegerField(label="年度")
    root = forms.ChoiceField(label="组织范围（牵头党组织）", help_text="该党组织本身不参加本次定级。")
    previous = forms.ChoiceField(label="上一轮（再次评定时选择）", required=False)
    weight_self = forms.CharField(label="自评权重", initial=str(DEFAULT_WEIGHTS[0]))
    weight_survey = forms.CharField(label="测评权重", initial=str(DEFAULT_WEIGHTS[1]))
    weight_review = forms.CharField(label="评定权重", initial=str(DEFAULT_WEIGHTS[2]))
    top_gate = forms.CharField(label="评为最高等次的满意率门槛", initial="0.90",
                               help_text="满意率低于此值不得评为最高等次（0–1）。")
    floor_gate = forms.CharField(label="直接定为末等的满意率下限", initial="0.50",
                                 help_text="满意率低于此值直接定为末等（0–1）；机关事业单位另按 0.60。")
    min_responses = forms.CharField(label="最少测评人数", initial="5", required=False,
                                    help_text="测评人数（线上、纸质、离线导入合计）低于此数不定级；0 = 不限。")
    masses_per_org = forms.CharField(label="每个党组织应参评群众代表数", initial="0", required=False,
                                     help_text="应参评人数 = 党员人数 + 此数，可逐个党组织调整。")
    institution_turnout = forms.CharField(label="机关事业单位参评率要求", initial="0.9", required=False,
                                          help_text="参评率低于此值时在进度总览中提示（0–1）；留空 = 不要求。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        roots = Org.objects.exclude(kind=OrgKind.BRANCH).order_by("path").values_list("code", "name", "depth")
        self.fields["root"].choices = [(code, f"{'　' * (depth - 1)}{name}（{code}）") for code, name, depth in roots]
        self.fields["previous"].choices = [("", "（无，首次定级）")] + [
            (slug, f"{name}（{slug}）") for slug, name in Campaign.objects.values_list("slug", "name")]
        scale_choices = [(s.code, f"{s.name}") for s in GradeScale.objects.order_by("code")]
        rubrics = {}
        for r in RubricVersion.objects.order_by("-created_at", "-pk"):
            rubrics.setdefault(r.sector_id, []).append(r)
        self.sector_rows = []
        self.sectors = list(Sector.objects.order_by("order", "name"))
        for s in self.sectors:
            versions = rubrics.get(s.pk, [])
            self.fields[f"on_{s.pk}"] = forms.BooleanField(label=s.name, required=False, initial=bool(versions))
            self.fields[f"rubric_{s.pk}"] = forms.ChoiceField(
                label=f"{s.name}评分标准", required=False,
                choices=[(str(r.pk), r.name) for r in versions] or [("", "（尚无评分标准）")],
                initial=str(versions[0].pk) if versions else "")
            self.fields[f"scale_{s.pk}"] = forms.ChoiceField(
                label=f"{s.name}等次标准", required=False, choices=scale_choices, initial=default_scale_code(s.name))
            self.sector_rows.append({"sector": s, "on": self[f"on_{s.pk}"], "rubric": self[f"rubric_{s.pk}"],
                                     "scale": self[f"scale_{s.pk}"]})
        self.fields["top_gate"].initial = _plain(DEFAULT_TOP_GATE.normalize())
        self.fields["floor_gate"].initial = _plain(DEFAULT_FLOOR_GATE.normalize())

    def service_kwargs(self) -> dict:
        """Keyword arguments for services.campaigns.create_campaign (without actor)."""
        d = self.cleaned_data
        chosen = [s for s in self.sectors if d.get(f"on_{s.pk}")]
        return {
            "slug": d["slug"], "name": d["name"], "year": d["year"], "root": d["root"],
            "weights": (d["weight_self"], d["weight_survey"], d["weight_review"]),
            "top_gate": d["top_gate"], "floor_gate": d["floor_gate"],
            "sectors": chosen,
            "rubrics": {s: int(d[f"rubric_{s.pk}"]) for s in chosen if d.get(f"rubric_{s.pk}")},
            "scales": {s: d[f"scale_{s.pk}"] for s in chosen if d.get(f"scale_{s.pk}")},
            "previous": d.get("previous") or None,
            "min_responses": d.get("min_responses"), "masses_per_org": d.get("masses_per_org"),
            "institution_turnout": d.get("institution_turnout"),
        }


class SurveySettingsForm(forms.Form):
    """Who votes in a campaign (services.update_survey_settings checks the values)."""

    min_responses = CampaignForm.base_fields["min_responses"]
    masses_per_org = CampaignForm.base_fields["masses_per_org"]
    institution_turnout = CampaignForm.base_fields["institution_turnout"]

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None):
        share = campaign.institution_turnout
        return cls(data, initial={"min_responses": campaign.min_responses, "masses_per_org": campaign.masses_per_org,
                                  "institution_turnout": "" if share is None else _plain(share.normalize())})


class ParticipationForm(forms.Form):
    """One org's 应参评党员数 and 应参评群众代表数 (both blank: the default)."""

    members = forms.CharField(label="应参评党员数", required=False)
    masses = forms.CharField(label="应参评群众代表数", required=False)


class PhaseForm(forms.Form):
    phase = forms.TypedChoiceField(label="切换到阶段", choices=Phase.choices, coerce=int)
    reason = forms.CharField(label="说明（可选）", required=False, max_length=500)


class PhaseDatesForm(forms.Form):
    """A start and an end date per phase."""

    def __init__(self, *args, dates: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for p in Phase:
            row = dates.get(p.value)
            for part, label in (("start", "开始"), ("end", "结束")):
                self.fields[f"{part}_{p.value}"] = forms.DateField(
                    label=f"{p.label}{label}日期", required=False,
                    initial=getattr(row, "starts_on" if part == "start" else "ends_on", None),
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
            self.rows.append({"phase": p, "start": self[f"start_{p.value}"], "end": self[f"end_{p.value}"]})

    def dates(self) -> dict:
        d = self.cleaned_data
        return {p.value: (d.get(f"start_{p.value}"), d.get(f"end_{p.value}")) for p in Phase}
