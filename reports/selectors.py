"""Read paths of the reports: everything an exporter needs, fetched in a fixed number of queries per export
(whatever the number of orgs), and shaped as plain rows in org-tree order."""
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import NamedTuple

from django.db.models import Count, Max, Prefetch, Sum
from django.utils import timezone

from audit.models import AuditEntry
from branches.models import Org, OrgKind
from campaigns.models import Campaign, GradeBand, Indicator, Phase, PhaseDate
from campaigns.selectors import targets
from publicity.models import Publicity
from rectification.models import (
    RectificationItem,
    RectificationPlan,
    RectificationProgress,
)
from rectification.selectors import transitions
from reports.models import ExportJob
from scoring.models import (
    INVESTIGATION_CHECKS,
    Grade,
    Investigation,
    ScoreSheet,
    SheetKind,
    SheetScore,
)
from scoring.selectors import (
    GradeInputs,
    GradeInputTable,
    grade_inputs,
    offline_vote_counts,
)
from surveys import disclosure
from surveys.models import Answer, PaperEntry, SurveyResponse
from surveys.selectors import DEFAULT_CATEGORIES, VoteCount, campaign_categories, confirmed_paper_entries

# Survey categories in report order; "" is a response without a category (未注明身份).
UNNAMED_CATEGORY = ("", "未注明身份")
CATEGORIES = [*DEFAULT_CATEGORIES, UNNAMED_CATEGORY]  # a campaign's own list: survey_categories(campaign)
# The points of the 调查摸底 checklist, in order.
INVESTIGATION_LABELS = [label for _, label in INVESTIGATION_CHECKS]
TENTH = Decimal("0.1")


class OrgFacts(NamedTuple):
    """An org as the reports read it: one tuple per row of one `values_list` query (no model instance), with the
    attributes of `Org` the reports use."""

    pk: int
    code: str
    name: str
    kind: str
    secretary: str
    member_count: int
    recruits_3y: int
    sector_id: int | None
    sector_name: str | None
    path: str
    depth: int
    parent_name: str | None

    @property
    def id(self) -> int:
        return self.pk

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)

    def __str__(self):
        return self.name


_KIND_LABELS = dict(OrgKind.choices)
_ORG_FIELDS = ("pk", "code", "name", "kind", "secretary", "member_count", "recruits_3y", "sector_id", "sector__name",
               "path", "depth", "parent_name")


class GradeFacts(NamedTuple):
    """A grade as the reports read it (values, not a model instance); `overridden_by_name` is the person who
    overrode it as `person_name` shows them."""

    pk: int
    org_id: int
    self_score: Decimal | None
    votes_satisfied: int | None
    votes_basic: int | None
    votes_unsatisfied: int | None
    review_score: Decimal | None
    total: Decimal | None
    computed_label: str
    override_label: str
    override_reason: str
    explanation: str
    reopened: bool
    computed_at: object
    overridden_at: object
    overridden_by_name: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def final_label(self) -> str:
        return self.override_label or self.computed_label


_GRADE_FIELDS = ("pk", "org_id", "self_score", "votes_satisfied", "votes_basic", "votes_unsatisfied", "review_score",
                 "total", "computed_label", "override_label", "override_reason", "explanation", "reopened",
                 "computed_at", "overridden_at")


class SheetFacts(NamedTuple):
    """A score sheet as the reports read it (values, not a model instance)."""

    org_id: int
    kind: str
    status: str
    source: str
    total: Decimal | None
    opinion: str
    submitted_at: object
    submitted_by_name: str


_SHEET_FIELDS = ("org_id", "kind", "status", "source", "total", "opinion", "submitted_at")
_USER_NAME = ("first_name", "last_name", "username")


def _shared(rows, positions):
    """The rows as lists, the values at `positions` (few distinct strings: kinds, states, labels, parent names)
    shared between rows instead of one string object per row and column."""
    seen: dict = {}
    share = seen.setdefault
    for row in rows:
        row = list(row)
        for i in positions:
            row[i] = share(row[i], row[i])
        yield row


def _name(first, last, username) -> str:
    """What `person_name(user)` shows for a user read as values: the full name, else the username ('' for nobody)."""
    full = f"{first or ''} {last or ''}".strip()
    return full or username or ""


class _CampaignInputs:
    """grade_inputs(campaign) shared by the rows of one export, read on first use: a report that shows no score
    (汇总表, 台账, 三年未发展党员名单) never reads it."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign

    @cached_property
    def table(self) -> GradeInputTable:
        return grade_inputs(self.campaign)


@dataclass(slots=True)
class OrgRow:
    """One 定级对象 with everything the reports show about it. Scores come from the grade when it exists (the
    numbers the grade was computed from), else from the org's grade inputs (scoring.selectors.grade_inputs: the
    totals that count and the votes of every channel)."""

    org: OrgFacts
    grade: GradeFacts | None
    self_sheet: SheetFacts | None
    review_sheet: SheetFacts | None
    campaign_inputs: _CampaignInputs

    @property
    def inputs(self) -> GradeInputs:
        """The org's grade inputs (scoring.selectors.grade_inputs)."""
        return self.campaign_inputs.table[self.org.pk]

    @property
    def parent_name(self) -> str:
        return getattr(self.org, "parent_name", "") or ""

    @property
    def sector_name(self) -> str:
        return (self.org.sector_name or "") if self.org.sector_id else ""

    @property
    def self_score(self) -> Decimal | None:
        if self.grade is not None and self.grade.self_score is not None:
            return self.grade.self_score
        return self.inputs.self_score

    @property
    def review_score(self) -> Decimal | None:
        if self.grade is not None and self.grade.review_score is not None:
            return self.grade.review_score
        return self.inputs.review_score

    @property
    def vote_tally(self) -> VoteCount | None:
        g = self.grade
        if g is not None and g.votes_satisfied is not None:
            return VoteCount(g.votes_satisfied or 0, g.votes_basic or 0, g.votes_unsatisfied or 0)
        return self.inputs.votes

    @property
    def satisfaction(self) -> Fraction | None:
        tally = self.vote_tally
        return tally.rate if tally is not None else None

    @property
    def total(self) -> Decimal | None:
        return self.grade.total if self.grade is not None else None

    @property
    def computed_label(self) -> str:
        return self.grade.computed_label if self.grade is not None else ""

    @property
    def final_label(self) -> str:
        return self.grade.final_label if self.grade is not None else ""

    @property
    def remark(self) -> str:
        """备注: the grade's explanation and any override with its reason; without a grade, the engine's
        explanation of what is missing (the text a recompute would store), else 尚未定级."""
        g = self.grade
        parts = []
        if g is not None and g.explanation:
            parts.append(g.explanation)
        if g is not None and g.override_label:
            parts.append(f"调整为“{g.override_label}”，理由：{g.override_reason}")
        if g is not None and g.reopened:
            parts.append("因异议成立正在重新评定")
        if not (g and (g.final_label or g.explanation)):
            missing = self.inputs.missing_explanation
            if missing:
                parts.append(missing)
            elif not parts:
                parts.append("尚未定级")
        return "；".join(parts)


def scoped_targets(campaign: Campaign, scope: Org | None = None):
    """The 定级对象 of a campaign in tree order, limited to `scope`'s subtree when given."""
    qs = targets(campaign)
    if scope is not None:
        qs = qs.filter(path__startswith=scope.path)
    return qs


def _in_scope(qs, scope: Org | None, prefix="org__"):
    return qs.filter(**{f"{prefix}path__startswith": scope.path}) if scope is not None else qs


def org_rows(campaign: Campaign, scope: Org | None = None, sheet_details: bool = True) -> list[OrgRow]:
    """Every 定级对象 of the campaign (graded or not) with its grade, sheets and grade inputs, in tree order. Three
    queries, read as values (plain tuples, no model instances) so that a 10,000-org export stays light; the grade
    inputs (scoring.selectors.grade_inputs, four queries) are read when a row first needs them.

    With `sheet_details=False` the rows carry no sheets (their opinion, submission time and submitter): the scores
    come from the grade and the grade inputs. One query less and a third less memory on a big campaign."""
    orgs = _shared(scoped_targets(campaign, scope).values_list(*_ORG_FIELDS), (3, 8, 11))
    grades = {
        g[1]: GradeFacts(*g[:-3], _name(*g[-3:]))
        for g in _shared(_in_scope(Grade.objects.filter(campaign=campaign), scope).values_list(
            *_GRADE_FIELDS, *(f"overridden_by__{f}" for f in _USER_NAME)), (8, 9))
    }
    sheets = {}
    if sheet_details:
        sheet_qs = _in_scope(ScoreSheet.objects.filter(campaign=campaign), scope)
        sheets = {
            (s[0], s[1]): SheetFacts(*s[:-3], _name(*s[-3:]))
            for s in _shared(sheet_qs.values_list(*_SHEET_FIELDS, *(f"submitted_by__{f}" for f in _USER_NAME)),
                             (1, 2, 3))
        }
    inputs = _CampaignInputs(campaign)
    self_kind, review_kind = SheetKind.SELF.value, SheetKind.REVIEW.value
    make = OrgFacts._make
    return [
        OrgRow(org, grades.get(org.pk), sheets.get((org.pk, self_kind)), sheets.get((org.pk, review_kind)), inputs)
        for org in map(make, orgs)
    ]


def unit_groups(campaign: Campaign, scope: Org | None, rows: list[OrgRow]) -> list[tuple[str, list[OrgRow]]]:
    """The rows grouped by the unit directly below `scope` (or the campaign's root) that they belong to, as
    (unit name, rows) in tree order. One query."""
    base = scope or campaign.root
    cut = Org.steplen * (base.depth + 1)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.org.path[:cut], []).append(row)
    names = dict(Org.objects.filter(path__in=list(groups)).values_list("path", "name"))
    return [(names.get(path, path), group) for path, group in groups.items()]


def investigations(campaign: Campaign, org_ids) -> dict[int, Investigation]:
    """{org_id: the 调查摸底 checklist} of those orgs that have one. One query."""
    return {i.org_id: i for i in Investigation.objects.filter(campaign=campaign, org_id__in=list(org_ids))}


def previous_round_moves(campaign: Campaign) -> dict:
    """{org_id: move (previous_label, move)} of a second round against its previous round; {} for a first
    round."""
    if not campaign.previous_id:
        return {}
    return {m.org.pk: m for m in transitions(campaign).moves}


@dataclass(frozen=True)
class PlanItem:
    """One 整改 item with who reviewed it and its latest progress note."""

    item: RectificationItem
    latest_progress: str


@dataclass(frozen=True)
class PlanRow:
    org: Org
    plan: RectificationPlan
    items: list[PlanItem]


def rectification_plans(campaign: Campaign, scope: Org | None = None) -> list[PlanRow]:
    """The 整改方案 of the campaign's 定级对象 (in `scope` when given), in tree order, each with its items (and their
    reviewer and latest progress). Four queries."""
    orgs = {o.pk: o for o in scoped_targets(campaign, scope)}
    progress = RectificationProgress.objects.order_by("-reported_at")
    items = RectificationItem.objects.select_related("reviewed_by").prefetch_related(
        Prefetch("progress", queryset=progress))
    plans = (RectificationPlan.objects.filter(campaign=campaign, org_id__in=list(orgs))
             .prefetch_related(Prefetch("items", queryset=items)))
    rows = []
    for plan in plans:
        plan_items = []
        for item in plan.items.all():
            latest = item.progress.all()
            plan_items.append(PlanItem(item, latest[0].text if latest else ""))
        rows.append(PlanRow(orgs[plan.org_id], plan, plan_items))
    rows.sort(key=lambda r: r.org.path)
    return rows


def grade_labels(campaign: Campaign) -> list[str]:
    """Every grade label of the campaign's scales, best first, the first sector's scale leading. One query."""
    bands = (GradeBand.objects.filter(scale__in=campaign.sectors.values("scale"))
             .order_by("-min_score").values_list("scale_id", "label", "min_score"))
    scale_order = list(campaign.sectors.order_by("sector__order", "sector__name").values_list("scale_id", flat=True))
    by_scale = defaultdict(list)
    for scale_id, label, _ in bands:
        by_scale[scale_id].append(label)
    labels: list[str] = []
    for scale_id in scale_order:
        for label in by_scale.get(scale_id, []):
            if label not in labels:
                labels.append(label)
    return labels


def sector_indicators(campaign: Campaign) -> dict[int, list[Indicator]]:
    """The indicators of each taking-part sector's rubric, in position order. One query."""
    result: dict[int, list[Indicator]] = defaultdict(list)
    rubric_sector = dict(campaign.sectors.values_list("rubric_id", "sector_id"))
    for ind in Indicator.objects.filter(rubric_id__in=list(rubric_sector)).order_by("rubric_id", "position"):
        result[rubric_sector[ind.rubric_id]].append(ind)
    return result


def campaign_sectors(campaign: Campaign):
    """The campaign's sectors (Sector objects) in display order."""
    return [cs.sector for cs in campaign.sectors.select_related("sector").order_by("sector__order", "sector__name")]


def indicator_scores(campaign: Campaign, scope: Org | None = None) -> dict[tuple[int, str], dict[int, Decimal]]:
    """{(org_id, "self"|"review"): {indicator_id: score}} — criterion scores summed per indicator. One query."""
    rows = (_in_scope(SheetScore.objects.filter(sheet__campaign=campaign), scope, "sheet__org__")
            .values("sheet__org_id", "sheet__kind", "indicator_id").annotate(total=Sum("score")))
    result: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(dict)
    for r in rows:
        result[(r["sheet__org_id"], r["sheet__kind"])][r["indicator_id"]] = Decimal(r["total"]).quantize(TENTH)
    return result


@dataclass
class Tally:
    """[满意, 基本满意, 不满意] per respondent category. After survey_breakdown's disclosure step a small category
    reads ["<5"] * 3 and `sums` holds the channel's totals as they may be shown (surveys.disclosure)."""

    counts: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    sums: list | None = None

    def total(self) -> list:
        if self.sums is not None:
            return list(self.sums)
        return [sum(c[i] for c in self.counts.values()) for i in range(3)]

    def shown(self, *, channel: bool) -> "Tally":
        """This tally as every viewer and export may see it: a category with 1–4 votes as "<5", and with
        `channel` (网上/纸质 of one org) the channel's own totals too; the org's 合计 stays."""
        total = self.total()
        counts = defaultdict(lambda: [0, 0, 0])
        counts.update({key: disclosure.shown_counts(values) for key, values in self.counts.items()})
        return Tally(counts=counts, sums=disclosure.shown_counts(total) if channel else total)


def survey_categories(campaign: Campaign) -> list[tuple[str, str]]:
    """The 测评统计表's category columns: the campaign's respondent categories in order, then 未注明身份. One query."""
    return [*campaign_categories(campaign), UNNAMED_CATEGORY]


def survey_breakdown(campaign: Campaign, scope: Org | None = None) -> dict[int, dict[str, Tally]]:
    """{org_id: {"online": Tally, "paper": Tally, "total": Tally}}: votes per channel and respondent category —
    every vote grading counts (scoring.selectors.all_vote_counts), so that the totals agree with the grade's.
    Paper counts only when confirmed by a second entry with the same numbers; paper votes not split by category,
    and votes imported from paper with the offline scores, go to 未注明身份. As every export may show them
    (surveys.disclosure): a category of a channel or of the total with 1–4 votes reads "<5", as do a channel's
    totals below 5; the org's overall total stays. Three queries."""
    return {org_id: _shown_breakdown(tallies) for org_id, tallies in _raw_survey_breakdown(campaign, scope).items()}


def _shown_breakdown(tallies: dict[str, Tally]) -> dict[str, Tally]:
    total = Tally()
    for key in set(tallies["online"].counts) | set(tallies["paper"].counts):
        total.counts[key] = [a + b for a, b in zip(tallies["online"].counts[key], tallies["paper"].counts[key],
                                                   strict=True)]
    return {"online": tallies["online"].shown(channel=True), "paper": tallies["paper"].shown(channel=True),
            "total": total.shown(channel=False)}


def _raw_survey_breakdown(campaign: Campaign, scope: Org | None = None) -> dict[int, dict[str, Tally]]:
    """survey_breakdown's counts before the disclosure step (answers naming a category the campaign no longer
    has go to 未注明身份). Four queries."""
    categories = dict(survey_categories(campaign))
    result: dict[int, dict[str, Tally]] = defaultdict(lambda: {"online": Tally(), "paper": Tally()})
    answer_index = {Answer.SATISFIED: 0, Answer.BASIC: 1, Answer.UNSATISFIED: 2}
    online = (_in_scope(SurveyResponse.objects.filter(campaign=campaign), scope)
              .values("org_id", "category", "overall").annotate(n=Count("pk")))
    for r in online:
        if r["overall"] is None:  # a grade vote without the satisfaction question
            continue
        cat = r["category"] if r["category"] in categories else ""
        result[r["org_id"]]["online"].counts[cat][answer_index[r["overall"]]] += r["n"]
    confirmed = confirmed_paper_entries(_in_scope(PaperEntry.objects.filter(campaign=campaign), scope))
    for org_id, counts in confirmed.items():
        tally = result[org_id]["paper"]
        split = [0, 0, 0]
        for key in categories:
            if key and key in counts:
                tally.counts[key] = [int(x) for x in counts[key]]
                split = [a + int(b) for a, b in zip(split, counts[key], strict=False)]
        overall = [int(x) for x in counts.get("overall", [0, 0, 0])]
        tally.counts[""] = [max(o - s, 0) for o, s in zip(overall, split, strict=False)]
    for org_id, votes in offline_vote_counts(campaign).items():
        unnamed = result[org_id]["paper"].counts[""]
        unnamed[:] = [unnamed[0] + votes.satisfied, unnamed[1] + votes.basic, unnamed[2] + votes.unsatisfied]
    return result


@dataclass
class Step:
    """One step of an org's 台账: when and by whom."""

    at: object = None
    who: str = ""


def person_name(user) -> str:
    """How the reports name a user: the full name, else the username ('' for nobody)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass
class Ledger:
    """The 台账 steps not on the sheets: per-org survey steps, the campaign's 公示 and who last touched each grade
    (keyed by grade id)."""

    survey: dict = field(default_factory=dict)
    publicity: Step = field(default_factory=Step)
    grade_steps: dict = field(default_factory=dict)


def ledger(campaign: Campaign, scope: Org | None = None) -> Ledger:
    """Survey days (online responses' last day; confirmed-or-not paper entries and who entered them), the 公示 start
    (its phase date, and who moved the campaign into 公示 per the audit log) and the last audited change of each
    grade. Five queries."""
    result = Ledger()
    days = (_in_scope(SurveyResponse.objects.filter(campaign=campaign), scope)
            .values("org_id").annotate(last=Max("day")))
    for r in days:
        result.survey[r["org_id"]] = Step(at=r["last"], who="网上测评")
    paper = defaultdict(list)
    for e in _in_scope(PaperEntry.objects.filter(campaign=campaign), scope).select_related("entered_by"):
        paper[e.org_id].append(e)
    for org_id, entries in paper.items():
        step = result.survey.get(org_id) or Step()
        last = timezone.localtime(max(e.entered_at for e in entries)).date()
        names = "、".join(person_name(e.entered_by) for e in sorted(entries, key=lambda e: e.entered_at))
        at = last if step.at is None or last > step.at else step.at
        result.survey[org_id] = Step(at=at, who="；".join(x for x in [step.who, f"纸质票录入：{names}"] if x))

    publicity = Publicity.objects.filter(campaign=campaign).select_related("published_by").first()
    if publicity is not None:  # the 公示 as published: its first day and who published it
        result.publicity = Step(at=publicity.starts_on, who=person_name(publicity.published_by))
        return _grade_steps(campaign, result)
    pdate = PhaseDate.objects.filter(campaign=campaign, phase=Phase.PUBLICITY).first()
    if pdate is not None:
        result.publicity.at = pdate.starts_on
    for entry in AuditEntry.objects.filter(campaign_id=campaign.pk, object_type="campaigns.campaign").order_by("at"):
        after = entry.after if isinstance(entry.after, dict) else {}
        if str(after.get("phase")) in (str(int(Phase.PUBLICITY)), Phase.PUBLICITY.label):
            result.publicity = Step(at=pdate.starts_on if pdate and pdate.starts_on else entry.at,
                                    who=entry.actor_name)

    return _grade_steps(campaign, result)


def _grade_steps(campaign, result: "Ledger") -> "Ledger":
    for object_id, name, at in (AuditEntry.objects.filter(campaign_id=campaign.pk, object_type="scoring.grade")
                                .order_by("at").values_list("object_id", "actor_name", "at")):
        result.grade_steps[object_id] = Step(at=at, who=name)
    return result


# ---- export jobs (the exports page) ------------------------------------------------------------------------------

def export_job(pk) -> ExportJob | None:
    """Export job `pk` with its scope and campaign, or None."""
    return ExportJob.objects.select_related("scope", "campaign").filter(pk=pk).first()


def recent_export_jobs(user, campaign: Campaign, limit: int) -> list[ExportJob]:
    """The user's latest `limit` export jobs of the campaign, newest first, with their scopes (one query)."""
    return list(ExportJob.objects.filter(user=user, campaign=campaign).select_related("scope")
                .order_by("-created_at")[:limit])
