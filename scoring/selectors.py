"""Read paths of the scoring app: querysets shaped for the pages and reports that use them."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from branches.access import Viewer, reviewable_orgs_q, visible_orgs_q
from branches.models import Org
from campaigns.models import Campaign, GradeBand
from campaigns.selectors import targets
from scoring.models import (
    INVESTIGATION_CHECKS,
    Grade,
    Investigation,
    ScoreSheet,
    SheetKind,
    SheetLevel,
    SheetNote,
    SheetScore,
    SheetStatus,
)
from scoring.services.grading import (
    NOT_GRADED,
    all_vote_counts,
    labels_of,
    sector_rules,
)
from scoring.services.sheets import campaign_sector_for, rubric_items

# --- Coverage (SPEC §2 全覆盖、无遗漏、不重复), used by the campaign page (engineer B) -------------------------


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
    ids = list(rows) if len(rows) <= 500 else None
    for org_id, votes in all_vote_counts(campaign, ids).items():
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
            sums[ind.pk] = sum(vals, Decimal("0")) if vals else None
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


def dashboard(campaign: Campaign, viewer: Viewer) -> dict:
    """Progress, what is missing per unit, grade distribution (by unit, by sector) and the 自评偏差 list, for the
    viewer's scope (staff: the whole campaign; a reviewer: the 定级对象 strictly below their org)."""
    root = campaign.root
    orgs = list(scoped_targets(campaign, viewer))
    statuses = org_statuses(campaign, orgs, reviewable_orgs_q(viewer, "org__"))
    rules = sector_rules(campaign)
    labels = labels_of(rules)
    colors = _color_map(labels)
    unit_len = len(root.path) + Org.steplen
    units = {o.path: o for o in Org.objects.filter(path__startswith=root.path, depth=root.depth + 1)}

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

    sector_names = {cs_id: r.campaign_sector.sector.name for cs_id, r in rules.items()}
    sector_order = {cs_id: (r.campaign_sector.sector.order, r.campaign_sector.sector.name)
                    for cs_id, r in rules.items()}
    by_sector: dict[int, Counter] = defaultdict(Counter)
    for s in statuses:
        by_sector[s.org.sector_id][s.final_label or NOT_GRADED] += 1
    sector_rows = [(sector_names.get(sid, "—"), by_sector[sid])
                   for sid in sorted(by_sector, key=lambda k: sector_order.get(k, (999, "")))]

    threshold = campaign.deviation_threshold
    deviations = sorted((s for s in statuses if s.deviation is not None and s.deviation >= threshold),
                        key=lambda s: s.deviation, reverse=True)

    return {
        "progress": progress, "units": unit_rows, "due": due,
        "unit_chart": bar_chart([(u["name"], u["grades"]) for u in unit_rows], labels, colors),
        "sector_chart": bar_chart(sector_rows, labels, colors),
        "deviations": deviations, "threshold": threshold, "labels": labels,
        "totals": Counter(s.final_label or NOT_GRADED for s in statuses),
    }
