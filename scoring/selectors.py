"""Read paths of the scoring app: querysets shaped for the pages and reports that use them."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404

from branches.access import Viewer, reviewable_orgs_q, visible_orgs_q
from branches.models import Org, Sector
from campaigns.models import Campaign, CampaignSector, Criterion, GradeBand, Indicator
from campaigns.selectors import INSTITUTION_SECTOR, expected_participants, targets
from scoring import engine
from scoring.models import (
    INVESTIGATION_CHECKS,
    Grade,
    Investigation,
    OfflineVotes,
    ScoreSheet,
    SheetKind,
    SheetLevel,
    SheetNote,
    SheetScore,
    SheetStatus,
)
from surveys.selectors import VoteCount, survey_counts, vote_counts

NOT_GRADED = "未定级"
# Longer lists of org ids are not sent as IN (…) parameters: the whole campaign is read and filtered here.
IN_LIST_LIMIT = 500


# --- The rules of a campaign's sectors and a grade's inputs: what grading and every report compute from --------

@dataclass(frozen=True)
class SectorRules:
    """What the engine needs for the orgs of one sector in one campaign."""

    campaign_sector: CampaignSector
    policy: engine.Policy
    floor_gate: Decimal | None

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.policy.bands]


def effective_floor_gate(campaign_sector: CampaignSector) -> Decimal:
    """The floor gate that applies to a sector in a campaign, as the engine decides it from the configured values
    (engine.effective_floor_gate)."""
    return engine.effective_floor_gate(own=campaign_sector.floor_gate,
                                       sector_default=campaign_sector.sector.default_floor_gate,
                                       campaign=campaign_sector.campaign.floor_gate)


def sector_rules(campaign: Campaign) -> dict[int, SectorRules]:
    """{sector_id: SectorRules} for every sector taking part. One query (campaign sectors with their sector, scale
    and bands; the campaign's root org comes along and is cached on `campaign` for targets())."""
    rows = (CampaignSector.objects.filter(campaign=campaign)
            .select_related("sector", "scale", "campaign__root")
            .annotate(band_label=F("scale__bands__label"), band_min=F("scale__bands__min_score"))
            .order_by("pk", "-band_min"))
    sectors: dict[int, CampaignSector] = {}
    bands: dict[int, list] = {}
    for cs in rows:
        if cs.pk not in sectors:
            sectors[cs.pk] = cs
            bands[cs.pk] = []
        if cs.band_label is not None:
            bands[cs.pk].append(engine.Band(cs.band_label, cs.band_min))
    rules = {}
    for cs in sectors.values():
        if not Campaign.root.is_cached(campaign) and cs.campaign.root_id == campaign.root_id:
            campaign.root = cs.campaign.root
        cs.campaign = campaign
        floor = effective_floor_gate(cs)
        policy = engine.Policy(
            weights=campaign.weights, bands=tuple(bands[cs.pk]),
            top_gate=campaign.top_gate, floor_gate=floor, gates_apply=cs.scale.gates_apply,
            min_responses=campaign.min_responses, vote_mode=cs.survey_mode, vote_share=campaign.vote_share,
        )
        rules[cs.sector_id] = SectorRules(cs, policy, floor)
    return rules


def labels_of(rules: dict[int, SectorRules]) -> list[str]:
    """Every band label of the given sectors' scales, each once: scale by scale (the scale most sectors use
    first), best band first within a scale."""
    by_scale: dict[int, list] = {}
    for r in rules.values():
        by_scale.setdefault(r.campaign_sector.scale_id, []).append(r)
    ordered = sorted(by_scale.values(), key=lambda rs: (-len(rs), rs[0].campaign_sector.scale.code))
    labels: list[str] = []
    for rs in ordered:
        for label in rs[0].labels:
            if label not in labels:
                labels.append(label)
    return labels


def _ids_filter(org_ids):
    """The ids to filter a query by: None (read the whole campaign) when there are none or too many."""
    return None if org_ids is None or len(org_ids) > IN_LIST_LIMIT else list(org_ids)


def offline_vote_counts(campaign: Campaign, org_ids=None) -> dict[int, VoteCount]:
    """Votes imported from paper with the offline scores (OfflineVotes), per org. One query."""
    qs = OfflineVotes.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    return {o: VoteCount(s, b, u) for o, s, b, u in qs.values_list("org_id", "satisfied", "basic", "unsatisfied")}


def all_vote_counts(campaign: Campaign, org_ids=None) -> dict[int, VoteCount]:
    """The votes of every channel per org: online responses + confirmed paper tallies (surveys.vote_counts) +
    votes imported from paper with the offline scores. Three queries."""
    counts = vote_counts(campaign, org_ids)
    for org_id, extra in offline_vote_counts(campaign, org_ids).items():
        counts[org_id] = counts.get(org_id, VoteCount()) + extra
    return counts


def counted_sheet_totals(campaign: Campaign, org_ids=None) -> dict[int, tuple]:
    """{org_id: (self total, review total)} of the sheets that count: submitted, with a total (an offline import
    is stored submitted). None for a sheet that does not count. One query."""
    sheets = ScoreSheet.objects.filter(campaign=campaign, status=SheetStatus.SUBMITTED, total__isnull=False)
    if org_ids is not None:
        sheets = sheets.filter(org_id__in=org_ids)
    totals: dict[int, list] = {}
    for org_id, kind, total in sheets.values_list("org_id", "kind", "total"):
        totals.setdefault(org_id, [None, None])[0 if kind == SheetKind.SELF else 1] = total
    return {org_id: tuple(pair) for org_id, pair in totals.items()}


@dataclass(frozen=True)
class GradeInputs:
    """What one org's grade is computed from: the totals that count, the votes of every channel (None without a
    single vote), the number of respondents of every channel and the campaign's minimum, and — decided by the
    engine under the campaign's weights — what is missing."""

    weights: tuple
    self_score: Decimal | None = None
    review_score: Decimal | None = None
    votes: VoteCount | None = None
    responses: int = 0
    min_responses: int = 0
    grade_votes: dict | None = None  # {band label: count} of the grade vote, None without one

    @property
    def missing(self) -> tuple[str, ...]:
        """The engine's reasons why these inputs cannot be graded yet (empty when nothing is missing): the missing
        inputs, else too few respondents ("测评人数不足（3/5）")."""
        missing = engine.missing_inputs(self.weights, self_score=self.self_score, votes=self.votes,
                                        review_score=self.review_score)
        if missing:
            return missing
        too_few = engine.too_few_responses(self.responses, self.min_responses, survey_counts=self.weights[1] > 0)
        return (too_few,) if too_few else ()

    @property
    def missing_explanation(self) -> str:
        """The engine's explanation of an org that cannot be graded yet ("" when nothing is missing): the text a
        recompute stores on the grade."""
        missing = self.missing
        return engine.not_graded(missing, self.votes).explanation if missing else ""


class GradeInputTable(Mapping):
    """grade_inputs' answer: `table[org_id]` for any org (one with no input at all gets every weighted input
    missing); `in`, iteration and len() cover the orgs with some input."""

    def __init__(self, found: dict[int, GradeInputs], weights: tuple, min_responses: int = 0):
        self._found = found
        self.empty = GradeInputs(weights, min_responses=min_responses)

    def __getitem__(self, org_id) -> GradeInputs:
        return self._found.get(org_id, self.empty)

    def __contains__(self, org_id) -> bool:
        return org_id in self._found

    def __iter__(self):
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def grade_inputs(campaign: Campaign, org_ids=None) -> GradeInputTable:
    """Per org of the campaign (those in `org_ids` when given) the inputs of its grade: the self-evaluation and
    review totals that count, the votes of every channel (online, confirmed paper, offline import), the number of
    respondents (every channel) with the campaign's minimum, and what is missing. The one read grading and the
    reports compute from. Four queries, whatever the number of orgs."""
    ids = _ids_filter(org_ids)
    wanted = None if org_ids is None else set(org_ids)
    totals = counted_sheet_totals(campaign, ids)
    votes, ballots = survey_counts(campaign, ids)  # online and confirmed paper, both questions
    for org_id, extra in offline_vote_counts(campaign, ids).items():
        votes[org_id] = votes.get(org_id, VoteCount()) + extra
    weights = campaign.weights
    found = {}
    for org_id in totals.keys() | votes.keys() | ballots.keys():
        if wanted is not None and org_id not in wanted:
            continue
        self_score, review_score = totals.get(org_id, (None, None))
        org_votes = votes.get(org_id)
        if org_votes is not None and not org_votes.total:
            org_votes = None
        org_ballots = ballots.get(org_id) or None
        if self_score is None and review_score is None and org_votes is None and org_ballots is None:
            continue
        # A respondent answers the satisfaction question, the grade vote or both: per org the larger count.
        responses = max(org_votes.total if org_votes is not None else 0, sum((org_ballots or {}).values()))
        found[org_id] = GradeInputs(weights, self_score, review_score, org_votes, responses, campaign.min_responses,
                                    org_ballots)
    return GradeInputTable(found, weights, campaign.min_responses)


# --- Sheets and rubrics of one org ------------------------------------------------------------------------------

def campaign_sector_for(campaign: Campaign, org: Org) -> CampaignSector:
    """The org's sector in the campaign (with rubric, scale and sector), or ValidationError when that sector does
    not take part. One query."""
    cs = (CampaignSector.objects.filter(campaign=campaign, sector_id=org.sector_id)
          .select_related("rubric", "scale", "sector").first())
    if cs is None:
        raise ValidationError(f"{org.name}所属领域未参加本次定级工作。")
    return cs


def rubric_items(rubric_id: int) -> list[Indicator]:
    """The rubric's indicators in order, each with `.items` = its criteria in order. Two queries."""
    indicators = list(Indicator.objects.filter(rubric_id=rubric_id).order_by("position"))
    by_id = {i.pk: i for i in indicators}
    for ind in indicators:
        ind.items = []
    for crit in Criterion.objects.filter(indicator__rubric_id=rubric_id).order_by("indicator__position", "position"):
        by_id[crit.indicator_id].items.append(crit)
    return indicators


# --- Coverage (SPEC §2 全覆盖、无遗漏、不重复), used by the campaign page -------------------------------------


@dataclass
class InvestigationRow:
    org: object
    investigation: Investigation | None
    grade: Grade | None

    @property
    def checks(self):
        if self.investigation is None:
            return [(label, None, "") for _, label in INVESTIGATION_CHECKS]
        return self.investigation.checks


def investigation_rows(campaign: Campaign, viewer: Viewer | None = None) -> list[InvestigationRow]:
    """Every 定级对象 (tree order) with its checklist (None when not filled) and its grade — the rows of the
    调查摸底与分类定级表. Three queries."""
    orgs = targets(campaign)
    if viewer is not None:
        orgs = orgs.filter(visible_orgs_q(viewer))
    orgs = list(orgs)
    ids = [o.pk for o in orgs]
    invs = {i.org_id: i for i in Investigation.objects.filter(campaign=campaign, org_id__in=ids)}
    grades = {g.org_id: g for g in Grade.objects.filter(campaign=campaign, org_id__in=ids)}
    return [InvestigationRow(o, invs.get(o.pk), grades.get(o.pk)) for o in orgs]


def investigation_of(campaign: Campaign, org: Org) -> Investigation | None:
    """The org's checklist in this campaign (with who filled it), or None while nobody has."""
    return Investigation.objects.filter(campaign=campaign, org=org).select_related("filled_by").first()


def org_investigations(org) -> list[Investigation]:
    """The checklists of one org, newest campaign first (for the org page)."""
    return list(Investigation.objects.filter(org=org).select_related("campaign", "filled_by")
                .order_by("-campaign__year", "-campaign__created_at"))


PALETTE = ["#1d7a3a", "#7cb342", "#f2b705", "#c62828", "#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037",
           "#ad1457", "#546e7a", "#9e9d24", "#4527a0", "#00695c"]


NOT_GRADED_COLOR = "#bdbdbd"


def target_or_404(campaign: Campaign, org: Org) -> Org:
    """`org` if it is a 定级对象 of the campaign, else 404."""
    found = targets(campaign).filter(pk=org.pk).first()
    if found is None:
        raise Http404("该党组织不是本次定级工作的定级对象")
    return found


def scoped_targets(campaign: Campaign, viewer: Viewer):
    """The campaign's 定级对象 a viewer reviews: all for staff, those strictly below a reviewer's org otherwise."""
    return targets(campaign).filter(reviewable_orgs_q(viewer))


@dataclass
class OrgStatus:
    org: Org
    self_status: str = ""           # SheetStatus value, "" when not started
    self_total: Decimal | None = None
    self_source: str = ""
    review_total: Decimal | None = None
    votes: object = None            # VoteCount or None
    grade: Grade | None = None

    @property
    def self_submitted(self):
        return self.self_status == SheetStatus.SUBMITTED

    @property
    def self_label(self):
        return SheetStatus(self.self_status).label if self.self_status else "未开始"

    @property
    def reviewed(self):
        return self.review_total is not None

    @property
    def vote_total(self):
        return self.votes.total if self.votes else 0

    @property
    def final_label(self):
        return (self.grade.final_label if self.grade else "") or ""

    @property
    def deviation(self):
        if self.self_submitted and self.self_total is not None and self.review_total is not None:
            return self.self_total - self.review_total
        return None


def org_statuses(campaign: Campaign, orgs: list[Org], org_q: Q | None = None) -> list[OrgStatus]:
    """Self/survey/review/grade status of each org, in the given order. Five queries. `org_q` (a filter on the
    "org__" relation) narrows what is read to the orgs' part of the tree."""
    rows = {o.pk: OrgStatus(o) for o in orgs}
    org_q = org_q if org_q is not None else Q()
    sheets = (ScoreSheet.objects.filter(campaign=campaign).filter(org_q)
              .values_list("org_id", "kind", "status", "total", "source"))
    for org_id, kind, status, total, source in sheets:
        row = rows.get(org_id)
        if row is None:
            continue
        if kind == SheetKind.SELF:
            row.self_status, row.self_total, row.self_source = status, total, source
        elif status == SheetStatus.SUBMITTED:
            row.review_total = total
    for org_id, votes in all_vote_counts(campaign, _ids_filter(rows)).items():
        if org_id in rows and votes.total:
            rows[org_id].votes = votes
    for grade in Grade.objects.filter(campaign=campaign).filter(org_q).defer("explanation"):
        if grade.org_id in rows:
            rows[grade.org_id].grade = grade
    return list(rows.values())


def review_rows(campaign: Campaign, viewer: Viewer) -> list[OrgStatus]:
    """The review list: the viewer's 定级对象 in tree order with their status."""
    return org_statuses(campaign, list(scoped_targets(campaign, viewer)), reviewable_orgs_q(viewer, "org__"))


@dataclass
class SheetView:
    """A rubric with one or two sheets' values laid out for a template: indicators → criteria with scores."""

    indicators: list
    sheet: ScoreSheet | None
    other: ScoreSheet | None = None
    notes: dict = field(default_factory=dict)


def sheet_values(sheet: ScoreSheet | None) -> tuple[dict, dict, dict]:
    """({criterion_id: score}, {indicator_id: score (indicator-level rows)}, {indicator_id: note}). Two queries."""
    if sheet is None or sheet.pk is None:
        return {}, {}, {}
    by_crit, by_ind = {}, {}
    for crit_id, ind_id, score in SheetScore.objects.filter(sheet=sheet).values_list("criterion_id", "indicator_id",
                                                                                        "score"):
        if crit_id:
            by_crit[crit_id] = score
        else:
            by_ind[ind_id] = score
    notes = dict(SheetNote.objects.filter(sheet=sheet).values_list("indicator_id", "note"))
    return by_crit, by_ind, notes


def indicator_sums(indicators, by_crit: dict, by_ind: dict) -> dict:
    """{indicator_id: sum of its scores} — the indicator-level score when entered, else the criteria's sum."""
    sums = {}
    for ind in indicators:
        if ind.pk in by_ind:
            sums[ind.pk] = by_ind[ind.pk]
        else:
            vals = [by_crit[c.pk] for c in ind.items if c.pk in by_crit]
            sums[ind.pk] = sum(vals, Decimal(0)) if vals else None
    return sums


def sheet_page(campaign: Campaign, org: Org) -> dict:
    """Everything the self-evaluation and review pages show for one org: rubric, both sheets with values, votes,
    grade and the scale's labels."""
    cs = campaign_sector_for(campaign, org)
    indicators = rubric_items(cs.rubric_id)
    sheets = {s.kind: s for s in ScoreSheet.objects.filter(campaign=campaign, org=org).select_related("submitted_by")}
    self_sheet, review_sheet = sheets.get(SheetKind.SELF), sheets.get(SheetKind.REVIEW)
    s_crit, s_ind, s_notes = sheet_values(self_sheet)
    r_crit, r_ind, r_notes = sheet_values(review_sheet)
    s_sums, r_sums = indicator_sums(indicators, s_crit, s_ind), indicator_sums(indicators, r_crit, r_ind)
    for ind in indicators:
        ind.self_sum, ind.review_sum = s_sums[ind.pk], r_sums[ind.pk]
        ind.self_note, ind.review_note = s_notes.get(ind.pk, ""), r_notes.get(ind.pk, "")
        ind.review_score = r_ind.get(ind.pk)
        for crit in ind.items:
            crit.self_score = s_crit.get(crit.pk)
            crit.review_score = r_crit.get(crit.pk)
    votes = all_vote_counts(campaign, [org.pk]).get(org.pk)
    grade = Grade.objects.filter(campaign=campaign, org=org).select_related("overridden_by").first()
    labels = list(GradeBand.objects.filter(scale_id=cs.scale_id).order_by("-min_score").values_list("label", flat=True))
    return {
        "campaign_sector": cs, "indicators": indicators, "self_sheet": self_sheet, "review_sheet": review_sheet,
        "votes": votes if votes and votes.total else None, "grade": grade, "labels": labels,
        "review_level": review_sheet.level if review_sheet else SheetLevel.CRITERION,
    }


def _color_map(labels: list[str]) -> dict[str, str]:
    colors = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}
    colors[NOT_GRADED] = NOT_GRADED_COLOR
    return colors


def bar_chart(rows: list[tuple[str, Counter]], labels: list[str], colors: dict[str, str]) -> dict:
    """Geometry of a horizontal stacked bar chart (rendered as inline SVG by the template): one bar per row,
    one segment per label with a count, widths proportional to the largest row total."""
    name_w, bar_w, count_w, row_h, gap = 150, 380, 50, 22, 8
    biggest = max((sum(c.values()) for _, c in rows), default=0) or 1
    bars = []
    for i, (name, counts) in enumerate(rows):
        y = 10 + i * (row_h + gap)
        x = name_w
        segments = []
        for label in labels + [NOT_GRADED]:
            n = counts.get(label, 0)
            if not n:
                continue
            w = bar_w * n / biggest
            segments.append({"x": round(x, 2), "w": round(w, 2), "label": label, "n": n, "color": colors[label],
                             "text_x": round(x + w / 2, 2), "show_n": w >= 16})
            x += w
        # 12px CJK glyphs: 11 characters and the ellipsis fit the name column
        bars.append({"name": name[:11] + ("…" if len(name) > 11 else ""), "full_name": name, "y": y,
                     "text_y": y + row_h * 0.7, "segments": segments, "total": sum(counts.values()),
                     "total_x": round(x + 6, 2), "h": row_h})
    legend_y = 10 + len(rows) * (row_h + gap) + 6
    legend = []
    x, y = 0, legend_y
    width = name_w + bar_w + count_w
    present = [lb for lb in labels + [NOT_GRADED] if any(c.get(lb) for _, c in rows)]
    for label in present:
        step = 18 + 13 * len(label) + 14
        if x and x + step > width:  # wrap: every label stays inside the picture
            x, y = 0, y + 20
        legend.append({"label": label, "color": colors[label], "x": x, "y": y})
        x += step
    height = y + 26
    return {"bars": bars, "legend": legend, "width": width, "height": height,
            "name_w": name_w, "bar_w": bar_w}


def _pct(n, d):
    return round(100 * n / d) if d else 0


def _progress(statuses: list[OrgStatus]) -> list[dict]:
    due = len(statuses)
    progress = [
        {"name": "自评已提交", "done": sum(s.self_submitted for s in statuses), "due": due},
        {"name": "已收到测评", "done": sum(1 for s in statuses if s.vote_total), "due": due,
         "extra": f"共 {sum(s.vote_total for s in statuses)} 票"},
        {"name": "上级评定已完成", "done": sum(s.reviewed for s in statuses), "due": due},
        {"name": "已定级", "done": sum(1 for s in statuses if s.final_label), "due": due},
    ]
    for p in progress:
        p["pct"] = _pct(p["done"], p["due"])
    return progress


def _unit_rows(root: Org, statuses: list[OrgStatus]) -> list[dict]:
    """Per unit directly below the root (tree order): its 定级对象, what each still lacks, its grades. One query."""
    unit_len = len(root.path) + Org.steplen
    units = {o.path: o for o in Org.objects.filter(path__startswith=root.path, depth=root.depth + 1)}
    by_unit: dict[str, list[OrgStatus]] = defaultdict(list)
    for s in statuses:
        by_unit[s.org.path[:unit_len]].append(s)
    unit_rows = []
    for path in sorted(by_unit):
        items = by_unit[path]
        unit = units.get(path)
        missing_self = [s.org for s in items if not s.self_submitted]
        missing_survey = [s.org for s in items if not s.vote_total]
        missing_review = [s.org for s in items if not s.reviewed]
        unit_rows.append({
            "unit": unit, "name": unit.name if unit else "—", "count": len(items),
            "missing_self": missing_self, "missing_survey": missing_survey, "missing_review": missing_review,
            "complete": not (missing_self or missing_survey or missing_review),
            "grades": Counter(s.final_label or NOT_GRADED for s in items),
        })
    return unit_rows


def _sector_rows(rules: dict[int, SectorRules], statuses: list[OrgStatus]) -> list[tuple[str, Counter]]:
    """(sector name, grade counts) per sector, in sector order."""
    sector_names = {cs_id: r.campaign_sector.sector.name for cs_id, r in rules.items()}
    sector_order = {cs_id: (r.campaign_sector.sector.order, r.campaign_sector.sector.name)
                    for cs_id, r in rules.items()}
    by_sector: dict[int, Counter] = defaultdict(Counter)
    for s in statuses:
        by_sector[s.org.sector_id][s.final_label or NOT_GRADED] += 1
    return [(sector_names.get(sid, "—"), by_sector[sid])
            for sid in sorted(by_sector, key=lambda k: sector_order.get(k, (999, "")))]


@dataclass(frozen=True)
class TurnoutFlag:
    """A 机关事业单位 org whose respondents (every channel) fall short of the campaign's required share of its
    expected participants."""

    org: Org
    responses: int
    expected: int

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.responses, self.expected)


def turnout_flags(campaign: Campaign, statuses: list[OrgStatus]) -> list[TurnoutFlag]:
    """The 机关事业单位 orgs among `statuses` below the campaign's turnout share (none when the campaign sets no
    share), lowest turnout first. Two queries (the sector, the expected participants)."""
    share = campaign.institution_turnout
    if share is None:
        return []
    sector = Sector.objects.filter(name=INSTITUTION_SECTOR).first()
    if sector is None:
        return []
    rows = [s for s in statuses if s.org.sector_id == sector.pk]
    expected = expected_participants(campaign, [s.org for s in rows])
    exact_share = Fraction(share)
    flags = [TurnoutFlag(s.org, s.vote_total, expected[s.org.pk].total) for s in rows
             if expected[s.org.pk].total and Fraction(s.vote_total, expected[s.org.pk].total) < exact_share]
    return sorted(flags, key=lambda f: (f.turnout, f.org.path))


def dashboard(campaign: Campaign, viewer: Viewer) -> dict:
    """Progress, what is missing per unit, grade distribution (by unit, by sector) and the 自评偏差 list, for the
    viewer's scope (staff: the whole campaign; a reviewer: the 定级对象 strictly below their org)."""
    orgs = list(scoped_targets(campaign, viewer))
    statuses = org_statuses(campaign, orgs, reviewable_orgs_q(viewer, "org__"))
    rules = sector_rules(campaign)
    labels = labels_of(rules)
    colors = _color_map(labels)
    unit_rows = _unit_rows(campaign.root, statuses)
    threshold = campaign.deviation_threshold
    deviations = sorted((s for s in statuses if s.deviation is not None and s.deviation >= threshold),
                        key=lambda s: s.deviation, reverse=True)
    return {
        "progress": _progress(statuses), "units": unit_rows, "due": len(statuses),
        "unit_chart": bar_chart([(u["name"], u["grades"]) for u in unit_rows], labels, colors),
        "sector_chart": bar_chart(_sector_rows(rules, statuses), labels, colors),
        "deviations": deviations, "threshold": threshold, "labels": labels,
        "totals": Counter(s.final_label or NOT_GRADED for s in statuses),
        "turnout_flags": turnout_flags(campaign, statuses), "turnout_share": campaign.institution_turnout,
    }
