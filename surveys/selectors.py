"""Read paths of the survey app. `vote_counts` is the one interface grading uses."""
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q

from campaigns.models import CampaignSector, GradeBand, Indicator, SurveyMode
from campaigns.selectors import expected_participants, targets
from surveys import disclosure
from surveys.models import (
    Answer,
    CodesIssued,
    DefaultCategory,
    PaperEntry,
    RespondentCategory,
    StagedResponse,
    SurveyResponse,
)


@dataclass(frozen=True)
class VoteCount:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def total(self):
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def rate(self) -> Fraction | None:
        """满意率 p = (满意 + 基本满意) / 总票数, exact; None when nobody answered."""
        return Fraction(self.satisfied + self.basic, self.total) if self.total else None

    def __add__(self, other):
        return VoteCount(self.satisfied + other.satisfied, self.basic + other.basic,
                         self.unsatisfied + other.unsatisfied)


def confirmed_paper_counts(campaign, org_ids=None) -> dict[int, VoteCount]:
    """Paper tallies that count: two different staff members (one entry each, at most two) entered the same
    numbers."""
    return {org_id: VoteCount(*counts["overall"])
            for org_id, counts in _confirmed_entries(campaign, org_ids).items() if "overall" in counts}


def online_counts(campaign, org_ids=None) -> dict[int, VoteCount]:
    qs = SurveyResponse.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    rows = qs.values("org_id").annotate(
        s=Count("pk", filter=Q(overall=Answer.SATISFIED)),
        b=Count("pk", filter=Q(overall=Answer.BASIC)),
        u=Count("pk", filter=Q(overall=Answer.UNSATISFIED)),
    )
    return {r["org_id"]: VoteCount(r["s"], r["b"], r["u"]) for r in rows}


def survey_counts(campaign, org_ids=None) -> tuple[dict[int, VoteCount], dict[int, dict[str, int]]]:
    """(satisfaction votes per org, grade vote per org {band label: count}) of online answers plus confirmed paper
    tallies; an org with neither is absent from each. Two queries."""
    qs = SurveyResponse.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    rows = qs.values("org_id", "grade_vote").annotate(
        n=Count("pk"),
        s=Count("pk", filter=Q(overall=Answer.SATISFIED)),
        b=Count("pk", filter=Q(overall=Answer.BASIC)),
        u=Count("pk", filter=Q(overall=Answer.UNSATISFIED)),
    ).order_by()
    votes: dict[int, VoteCount] = {}
    grades: dict[int, dict[str, int]] = {}
    for r in rows:
        org_id = r["org_id"]
        votes[org_id] = votes.get(org_id, VoteCount()) + VoteCount(r["s"], r["b"], r["u"])
        if r["grade_vote"]:
            grades.setdefault(org_id, {})[r["grade_vote"]] = r["n"]
    for org_id, counts in _confirmed_entries(campaign, org_ids).items():
        if "overall" in counts:
            votes[org_id] = votes.get(org_id, VoteCount()) + VoteCount(*counts["overall"])
        for label, n in (counts.get("grade") or {}).items():
            if n:
                tally = grades.setdefault(org_id, {})
                tally[label] = tally.get(label, 0) + n
    return votes, grades


def grade_vote_counts(campaign, org_ids=None) -> dict[int, dict[str, int]]:
    """The grade vote per org: {org_id: {band label: count}} of online answers plus confirmed paper tallies (the
    paper entry's "grade" counts). Orgs without a grade vote are absent. Two queries."""
    return survey_counts(campaign, org_ids)[1]


def confirmed_paper_entries(entries) -> dict[int, dict]:
    """{org_id: counts} of the paper tallies that count among `entries` (a PaperEntry queryset): two different
    staff members (one entry each) entered the same numbers. The one rule of paper confirmation."""
    by_org: dict[int, list] = {}
    for org_id, counts in entries.values_list("org_id", "counts"):
        by_org.setdefault(org_id, []).append(counts)
    return {org_id: all_counts[0] for org_id, all_counts in by_org.items()
            if len(all_counts) >= 2 and all(c == all_counts[0] for c in all_counts)}


def _confirmed_entries(campaign, org_ids=None) -> dict[int, dict]:
    entries = PaperEntry.objects.filter(campaign=campaign)
    if org_ids is not None:
        entries = entries.filter(org_id__in=org_ids)
    return confirmed_paper_entries(entries)


def vote_counts(campaign, org_ids=None) -> dict[int, VoteCount]:
    """Online responses plus confirmed paper tallies per org (orgs with neither are absent). Two queries."""
    return survey_counts(campaign, org_ids)[0]


# ---- respondent categories ---------------------------------------------------------------------------------

DEFAULT_CATEGORIES = tuple(DefaultCategory.choices)


def campaign_categories(campaign) -> list[tuple[str, str]]:
    """[(key, name)] of the campaign's respondent categories in their order. One query."""
    campaign_id = getattr(campaign, "pk", campaign)
    return list(RespondentCategory.objects.filter(campaign_id=campaign_id).order_by("order", "pk")
                .values_list("key", "name"))


def category_rows(campaign) -> list[RespondentCategory]:
    """The campaign's respondent categories (model instances, in order), each with `used`: whether an answer or a
    paper entry names it (staged answers included). Four queries."""
    rows = list(RespondentCategory.objects.filter(campaign=campaign).order_by("order", "pk"))
    used = set()
    for model in (SurveyResponse, StagedResponse):
        used.update(model.objects.filter(campaign=campaign).exclude(category="")
                    .values_list("category", flat=True).distinct())
    for counts in PaperEntry.objects.filter(campaign=campaign).values_list("counts", flat=True):
        used.update(counts)
    for row in rows:
        row.used = row.key in used
    return rows


# ---- what the survey asks (CampaignSector.survey_mode) -----------------------------------------------------

@dataclass(frozen=True)
class AskedQuestions:
    """What the survey of an org's sector asks: the satisfaction question, the grade vote, or both."""

    mode: str = SurveyMode.SATISFACTION

    @property
    def satisfaction(self) -> bool:
        return self.mode != SurveyMode.INSTEAD

    @property
    def grade_vote(self) -> bool:
        return self.mode != SurveyMode.SATISFACTION


def survey_mode_of(campaign, org) -> AskedQuestions:
    """What the survey asks the respondents of `org` (its sector's survey mode in the campaign). One query."""
    mode = (CampaignSector.objects.filter(campaign_id=getattr(campaign, "pk", campaign), sector_id=org.sector_id)
            .values_list("survey_mode", flat=True).first())
    return AskedQuestions(mode or SurveyMode.SATISFACTION)


def grade_labels_of(campaign, org) -> list[str]:
    """The band labels of the scale the campaign uses for the org's sector, best first (the grade vote's
    choices). One query."""
    scale = CampaignSector.objects.filter(campaign_id=getattr(campaign, "pk", campaign),
                                          sector_id=org.sector_id).values("scale_id")
    return list(GradeBand.objects.filter(scale_id__in=scale).order_by("-min_score").values_list("label", flat=True))


# ---- paper double entry -------------------------------------------------------------------------------------

PAPER_TOTAL_KEYS = ("overall", "grade")  # the keys of a paper entry that are not respondent categories
ANSWER_LABELS = ("满意", "基本满意", "不满意")


def paper_labels(categories=DEFAULT_CATEGORIES) -> dict[str, str]:
    """{"overall": "总体", "grade": "等次投票", <category key>: <name>, ...}: what each key of a paper entry is
    called."""
    return {"overall": "总体", "grade": "等次投票", **dict(categories)}


@dataclass(frozen=True)
class PaperStatus:
    """The state of an org's paper tally: "none" (nobody entered), "single" (one entry, waiting for a second
    staff member), "mismatch" (two entries differ; `differing` names the numbers) or "confirmed"."""

    state: str
    entries: tuple = ()
    differing: tuple[str, ...] = ()

    @property
    def confirmed(self):
        return self.state == "confirmed"

    @property
    def confirmed_counts(self):
        return self.entries[0].counts if self.confirmed else None

    @property
    def label(self):
        return {"none": "未录入", "single": "待第二人核对", "mismatch": "两次录入不一致", "confirmed": "已核对一致"}[self.state]

    @property
    def badge(self):
        return {"none": "", "single": "warn", "mismatch": "bad", "confirmed": "ok"}[self.state]


def paper_differences(a: dict, b: dict, labels: dict | None = None) -> tuple[str, ...]:
    """Names of the numbers in which two paper entries differ, e.g. ("总体·满意", "党员（一方未填）"); `labels`
    names the keys (paper_labels; a key it does not name is shown as it is)."""
    labels = paper_labels() if labels is None else labels
    keys = list(labels) + sorted((a.keys() | b.keys()) - labels.keys())
    out = []
    for key in keys:
        label = labels.get(key, key)
        x, y = a.get(key), b.get(key)
        if x is None and y is None:
            continue
        if x is None or y is None:
            out.append(f"{label}（一方未填）")
            continue
        if isinstance(x, dict) or isinstance(y, dict):  # the grade vote: {band label: count}
            x, y = x if isinstance(x, dict) else {}, y if isinstance(y, dict) else {}
            out.extend(f"{label}·{band}" for band in sorted(x.keys() | y.keys()) if x.get(band, 0) != y.get(band, 0))
            continue
        out.extend(f"{label}·{answer}" for answer, u, v in zip(ANSWER_LABELS, x, y, strict=True) if u != v)
    return tuple(out)


def paper_status(entries, labels: dict | None = None) -> PaperStatus:
    """Status of an org's paper tally from its entries (at most two, by different staff members)."""
    entries = tuple(entries)
    if not entries:
        return PaperStatus("none")
    if len(entries) == 1:
        return PaperStatus("single", entries)
    differing = paper_differences(entries[0].counts, entries[1].counts, labels)
    return PaperStatus("mismatch" if differing else "confirmed", entries, differing)


def paper_entries(campaign, org) -> list[PaperEntry]:
    """An org's paper tally entries (at most two) with who entered them, oldest first (one query)."""
    return list(PaperEntry.objects.filter(campaign=campaign, org=org).select_related("entered_by")
                .order_by("entered_at", "pk"))


def paper_statuses(campaign, org_ids=None) -> dict[int, PaperStatus]:
    """Paper tally status per org that has any entry (one query)."""
    qs = PaperEntry.objects.filter(campaign=campaign).order_by("org_id", "entered_at", "pk")
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    grouped: dict[int, list] = {}
    for entry in qs:
        grouped.setdefault(entry.org_id, []).append(entry)
    if not grouped:
        return {}
    labels = paper_labels(campaign_categories(campaign))
    return {org_id: paper_status(entries, labels) for org_id, entries in grouped.items()}


# ---- the form and the results ---------------------------------------------------------------------------------


def survey_indicators(campaign, org):
    """The indicators of the rubric the campaign uses for the org's sector, in order (empty if none)."""
    return list(Indicator.objects.filter(rubric__campaign_sectors__campaign=campaign,
                                         rubric__campaign_sectors__sector_id=org.sector_id).order_by("position"))


def _per_org(qs, org_ids):
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    return dict(qs.values("org_id").annotate(n=Count("pk")).values_list("org_id", "n").order_by())


def received_counts(campaign, org_ids=None) -> dict[int, int]:
    """Online answers received per org, staged ones included (two queries): a count, never a tally."""
    staged = _per_org(StagedResponse.objects.filter(campaign=campaign), org_ids)
    mixed = _per_org(SurveyResponse.objects.filter(campaign=campaign), org_ids)
    return {org_id: staged.get(org_id, 0) + mixed.get(org_id, 0) for org_id in staged.keys() | mixed.keys()}


def token_counts(campaign, org_ids=None) -> dict[int, tuple[int, int]]:
    """(issued, used) survey codes per org that has any (three queries): issued as counted when issuing
    (surveys.models.CodesIssued; the token rows go as codes are used), used = online answers received."""
    qs = CodesIssued.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    issued = dict(qs.values_list("org_id", "count"))
    used = received_counts(campaign, org_ids)
    return {org_id: (issued.get(org_id, 0), used.get(org_id, 0)) for org_id in issued.keys() | used.keys()}


SMALL_N = disclosure.SMALL_N


@dataclass
class OrgTally:
    """Everything counted for one org: online by category ("" = not given), paper (confirmed only) by category
    ("" = the part of the paper votes whose category was not entered), and the paper status."""

    online: dict[str, VoteCount] = field(default_factory=dict)
    paper: dict[str, VoteCount] = field(default_factory=dict)
    paper_status: PaperStatus = field(default_factory=lambda: PaperStatus("none"))

    @property
    def online_total(self) -> VoteCount:
        return sum(self.online.values(), VoteCount())

    @property
    def paper_total(self) -> VoteCount:
        return sum(self.paper.values(), VoteCount())

    @property
    def total(self) -> VoteCount:
        return self.online_total + self.paper_total

    def by_category(self, category) -> VoteCount:
        return self.online.get(category, VoteCount()) + self.paper.get(category, VoteCount())


def _paper_by_category(counts: dict) -> dict[str, VoteCount]:
    overall = counts.get("overall", [0, 0, 0])
    out, known = {}, [0, 0, 0]
    for category, values in counts.items():
        if category not in PAPER_TOTAL_KEYS and isinstance(values, list):
            out[category] = VoteCount(*values)
            known = [k + c for k, c in zip(known, values, strict=True)]
    rest = VoteCount(*[o - k for o, k in zip(overall, known, strict=True)])
    if rest.total:
        out[""] = rest
    return out


def survey_tallies(campaign, org_ids=None) -> dict[int, OrgTally]:
    """Per org: online and confirmed paper votes by respondent category, and the paper status (two queries).
    The 党员群众测评统计表 reads this; its totals equal vote_counts()."""
    qs = SurveyResponse.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    rows = qs.values("org_id", "category").annotate(
        s=Count("pk", filter=Q(overall=Answer.SATISFIED)),
        b=Count("pk", filter=Q(overall=Answer.BASIC)),
        u=Count("pk", filter=Q(overall=Answer.UNSATISFIED)),
    ).order_by()
    tallies: dict[int, OrgTally] = {}
    for r in rows:
        tallies.setdefault(r["org_id"], OrgTally()).online[r["category"]] = VoteCount(r["s"], r["b"], r["u"])
    for org_id, status in paper_statuses(campaign, org_ids).items():
        tally = tallies.setdefault(org_id, OrgTally())
        tally.paper_status = status
        if status.confirmed:
            tally.paper = _paper_by_category(status.confirmed_counts)
    return tallies


@dataclass(frozen=True)
class ShownRow:
    """A row of a breakdown as it may be shown (surveys.disclosure): the counts, or "<5" for a small group."""

    label: object
    counts: tuple
    total: object
    rate: Fraction | None

    @classmethod
    def of(cls, label, votes: VoteCount):
        counts = disclosure.shown_counts([votes.satisfied, votes.basic, votes.unsatisfied])
        hidden = disclosure.hides_group(votes.total)
        return cls(label, tuple(counts), disclosure.HIDDEN if hidden else votes.total,
                   None if hidden else votes.rate)


@dataclass
class OrgResults:
    """The survey results page of one org. `tally_visible` is False while the survey runs for anyone but staff:
    then only `received` (「已收到 N 份」, rounded down to a multiple of 5) is shown. `detailed` is False when the
    org has fewer than SMALL_N votes: breakdowns and free text are withheld from every viewer; a category or an
    indicator with fewer than SMALL_N answers shows "<5" (surveys.disclosure)."""

    tally: OrgTally
    detailed: bool
    tally_visible: bool = True
    received: str = ""
    indicators: list = field(default_factory=list)  # [ShownRow] online answers, label = the indicator
    categories: list = field(default_factory=list)  # [ShownRow] online + confirmed paper
    suggestions: list = field(default_factory=list)
    issued: int = 0
    used: int = 0


def org_results(campaign, org, *, full_access: bool, tally_visible: bool = True) -> OrgResults:
    """Results of one org. `tally_visible` (surveys.disclosure.tally_visible): without it only the rounded count
    received. Breakdowns and free text only from SMALL_N votes on (online + confirmed paper), for every viewer;
    small categories and indicators as "<5". `full_access` (staff, reviewers above) adds the codes issued/used.
    Free text comes in random (UUID) order, never in order of arrival."""
    tally = survey_tallies(campaign, [org.pk]).get(org.pk, OrgTally())
    issued, used = token_counts(campaign, [org.pk]).get(org.pk, (0, 0))
    if not full_access:
        issued = used = 0
    received = disclosure.received_label(received_counts(campaign, [org.pk]).get(org.pk, 0)
                                         + tally.paper_total.total)
    detailed = tally_visible and tally.total.total >= SMALL_N
    results = OrgResults(tally=tally if tally_visible else OrgTally(), detailed=detailed,
                         tally_visible=tally_visible, received=received, issued=issued, used=used)
    if not detailed:
        return results
    indicators = survey_indicators(campaign, org)
    per_indicator = {str(i.pk): [0, 0, 0] for i in indicators}
    suggestions = []
    for answers, text in (SurveyResponse.objects.filter(campaign=campaign, org=org).order_by("pk")
                          .values_list("indicator_answers", "suggestions")):
        for key, value in (answers or {}).items():
            if key in per_indicator and value in (1, 2, 3):
                per_indicator[key][value - 1] += 1
        if text:
            suggestions.append(text)
    results.indicators = [ShownRow.of(i, VoteCount(*per_indicator[str(i.pk)])) for i in indicators]
    categories = campaign_categories(campaign)
    named = {key for key, _ in categories}
    unnamed = tally.by_category("")
    for key in set(tally.online) | set(tally.paper):  # a key the campaign no longer has counts as not given
        if key and key not in named:
            unnamed = unnamed + tally.by_category(key)
    results.categories = [ShownRow.of(label, tally.by_category(key)) for key, label in categories] + [
        ShownRow.of("未填写身份", unnamed)]
    results.suggestions = suggestions
    return results


@dataclass
class OverviewRow:
    org: object
    issued: int
    used: int
    tally: OrgTally
    expected: int = 0  # 应参评人数 (campaigns.selectors.expected_participants)

    @property
    def received(self) -> str:
        """「已收到 N 份」 as anyone but staff may see it while the survey runs (surveys.disclosure)."""
        return disclosure.received_label(self.used + self.tally.paper_total.total)

    @property
    def response_rate(self) -> Fraction | None:
        return Fraction(self.used, self.issued) if self.issued else None

    @property
    def turnout(self) -> Fraction | None:
        """参评率: respondents (online + confirmed paper) ÷ expected participants; None when nobody is expected."""
        return Fraction(self.tally.total.total, self.expected) if self.expected else None


def survey_overview(campaign, orgs_q) -> list[OverviewRow]:
    """One row per 定级对象 matching `orgs_q` (the viewer's scope), in tree order, with codes issued/used, the
    tallies and the expected participants. Five queries whatever the number of orgs."""
    orgs = list(targets(campaign).filter(orgs_q))
    ids = [o.pk for o in orgs]
    counts = token_counts(campaign, ids)
    tallies = survey_tallies(campaign, ids)
    expected = expected_participants(campaign, orgs)
    return [OverviewRow(o, *counts.get(o.pk, (0, 0)), tallies.get(o.pk, OrgTally()), expected[o.pk].total)
            for o in orgs]
