"""Read paths of rectification: rounds (晋位升级), 整改 plans and star ratings.

Each function answers in a constant number of queries whatever the number of orgs. Functions taking a `viewer`
restrict rows to what that viewer may see (staff: everything; reviewers: their subtree; secretaries: their org).
"""
import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from branches.access import Viewer, visible_orgs_q
from campaigns.models import Campaign, CampaignSector
from campaigns.scales import band_labels_by_sector
from campaigns.selectors import targets
from publicity.services import local_today
from rectification import rounds
from rectification.models import (
    ItemStatus,
    RectificationItem,
    RectificationPlan,
    StarRating,
    Tier,
)
from scoring.models import Grade


def _final_labels(campaign) -> dict[int, str]:
    return {
        org_id: override or computed
        for org_id, override, computed in Grade.objects.filter(campaign=campaign)
        .values_list("org_id", "override_label", "computed_label")
        if override or computed
    }


# ---- rounds -----------------------------------------------------------------------------------------------------

def previous_grades(campaign: Campaign) -> dict[int, str]:
    """{org_id: final grade label in the previous round} ({} for a first round). One or two queries."""
    if not campaign.previous_id:
        return {}
    return _final_labels(campaign.previous_id)


@dataclass
class OrgMove:
    org: object
    previous_label: str
    label: str
    move: str


@dataclass
class Transitions:
    """Rows: previous grade (and 新参评); columns: this round's grade (and 未定级); plus every org's move."""

    previous: Campaign | None
    row_labels: list[str]
    col_labels: list[str]
    counts: dict = field(default_factory=dict)
    moves: list[OrgMove] = field(default_factory=list)
    move_counts: dict = field(default_factory=dict)

    def cell(self, row, col) -> int:
        return self.counts.get((row, col), 0)

    @property
    def rows(self):
        """[(previous label, [count per column], row total)] for templates and exports."""
        return [(r, [self.cell(r, c) for c in self.col_labels], sum(self.cell(r, c) for c in self.col_labels))
                for r in self.row_labels]

    @property
    def column_totals(self):
        return [sum(self.cell(r, c) for r in self.row_labels) for c in self.col_labels]


def _label_order(labels_seen: dict[str, set], labels_by_sector) -> list[str]:
    """Labels best first: by their smallest relative position on any scale they were graded on, then text."""
    def key(label):
        positions = [rounds.relative_position(label, labels_by_sector.get(s, [])) for s in labels_seen[label]]
        positions = [p for p in positions if p is not None]
        return (min(positions) if positions else 2, label)

    return sorted(labels_seen, key=key)


def transitions(campaign: Campaign, viewer: Viewer | None = None) -> Transitions:
    """The transition table between `campaign.previous` and `campaign` over this round's 定级对象 (orgs of the
    previous round that are no longer graded are left out). Moves as defined in scoring.services.rounds."""
    orgs = targets(campaign)
    if viewer is not None:
        orgs = orgs.filter(visible_orgs_q(viewer))
    orgs = list(orgs)
    current = _final_labels(campaign)
    previous = previous_grades(campaign)
    labels_now = band_labels_by_sector(campaign)
    labels_before = band_labels_by_sector(campaign.previous) if campaign.previous_id else {}
    result = Transitions(previous=campaign.previous if campaign.previous_id else None, row_labels=[], col_labels=[])
    seen_rows: dict[str, set] = {}
    seen_cols: dict[str, set] = {}
    for org in orgs:
        before, now = previous.get(org.pk, ""), current.get(org.pk, "")
        mv = rounds.move(before, labels_before.get(org.sector_id, []), now, labels_now.get(org.sector_id, []))
        result.moves.append(OrgMove(org, before, now, mv))
        row = before or rounds.NEW
        col = now or rounds.UNGRADED
        result.counts[(row, col)] = result.counts.get((row, col), 0) + 1
        if before:
            seen_rows.setdefault(before, set()).add(org.sector_id)
        if now:
            seen_cols.setdefault(now, set()).add(org.sector_id)
    result.row_labels = _label_order(seen_rows, labels_before) + (
        [rounds.NEW] if any(not m.previous_label for m in result.moves) else [])
    result.col_labels = _label_order(seen_cols, labels_now) + (
        [rounds.UNGRADED] if any(not m.label for m in result.moves) else [])
    counted = Counter(m.move for m in result.moves)
    result.move_counts = {mv: counted[mv] for mv in rounds.MOVES if counted[mv]}
    return result


# ---- 整改 ---------------------------------------------------------------------------------------------------------

def _plans(campaign, viewer):
    qs = RectificationPlan.objects.filter(campaign=campaign).select_related("org", "org__sector")
    if viewer is not None:
        qs = qs.filter(visible_orgs_q(viewer, "org__"))
    return qs.prefetch_related(
        Prefetch("items", queryset=RectificationItem.objects.prefetch_related("progress").order_by("deadline", "id"))
    ).order_by("org__path")


@dataclass
class PlanView:
    plan: RectificationPlan
    items: list
    overdue_items: int
    accepted_items: int
    yellow_card_overdue: bool

    @property
    def all_accepted(self):
        return bool(self.items) and self.accepted_items == len(self.items)


def plan_of(campaign: Campaign, org) -> RectificationPlan | None:
    """The org's plan in the campaign with its items (deadline order) and their progress reports, or None."""
    return (RectificationPlan.objects.filter(campaign=campaign, org=org).select_related("submitted_by")
            .prefetch_related(Prefetch("items", queryset=RectificationItem.objects.prefetch_related("progress")
                                       .order_by("deadline", "id")))
            .first())


def plan_item(plan: RectificationPlan, pk: int) -> RectificationItem | None:
    """Item `pk` if it belongs to `plan` (with `plan` attached), else None."""
    item = RectificationItem.objects.filter(plan=plan, pk=pk).first()
    if item is not None:
        item.plan = plan
    return item


def plan_view(plan: RectificationPlan, today: datetime.date) -> PlanView:
    items = list(plan.items.all())
    for item in items:
        item.overdue = item.is_overdue_on(today)
    accepted = sum(1 for i in items if i.status == ItemStatus.ACCEPTED)
    card_overdue = bool(plan.yellow_card and plan.yellow_card_deadline and today > plan.yellow_card_deadline
                        and not (items and accepted == len(items)))
    return PlanView(plan, items, sum(1 for i in items if i.overdue), accepted, card_overdue)


def rectification_overview(campaign: Campaign, viewer: Viewer | None = None, today: datetime.date | None = None,
                           overdue_only: bool = False) -> list[PlanView]:
    """Every plan (tree order) with its items, each item marked `.overdue` (deadline passed, not accepted). Two
    queries plus one per prefetch level."""
    today = today or local_today()
    views = [plan_view(p, today) for p in _plans(campaign, viewer)]
    if overdue_only:
        views = [v for v in views if v.overdue_items or v.yellow_card_overdue]
    return views


@dataclass
class RectificationRow:
    """One row of the 整改汇总表: one item, or the org alone when it has no item (top band, or not yet filed)."""

    org_code: str
    org_name: str
    grade: str
    problems: str
    measures: str
    responsible: str
    deadline: datetime.date | None
    status: str
    accepted: bool
    yellow_card: bool
    contact_leader: str
    overdue: bool


def rectification_rows(campaign: Campaign, viewer: Viewer | None = None,
                       today: datetime.date | None = None) -> list[RectificationRow]:
    """Rows for the 整改汇总表 (per org: grade, problems, measures, responsible, deadline, status, accepted), in
    tree order. Constant number of queries."""
    today = today or local_today()
    rows = []
    for pv in rectification_overview(campaign, viewer, today):
        p = pv.plan
        common = {"org_code": p.org.code, "org_name": p.org.name, "grade": p.label, "yellow_card": p.yellow_card,
                  "contact_leader": p.contact_leader}
        if not pv.items:
            status = "经验推广" if p.tier == Tier.TOP else "未报送整改方案"
            rows.append(RectificationRow(**common, problems="", measures="", responsible="", deadline=None,
                                         status=status, accepted=False, overdue=False))
            continue
        for item in pv.items:
            rows.append(RectificationRow(
                **common, problems=item.problem, measures=item.measures, responsible=item.responsible,
                deadline=item.deadline, status=item.get_status_display() + ("（逾期）" if item.overdue else ""),
                accepted=item.status == ItemStatus.ACCEPTED, overdue=item.overdue,
            ))
    return rows


def org_rectifications(org, today: datetime.date | None = None) -> list[PlanView]:
    """The rectification plans of one org, newest campaign first (for the org page)."""
    today = today or local_today()
    plans = (RectificationPlan.objects.filter(org=org).select_related("campaign", "org")
             .prefetch_related("items").order_by("-campaign__year", "-campaign__created_at"))
    return [plan_view(p, today) for p in plans]


# ---- 星级 ---------------------------------------------------------------------------------------------------------

def star_history(org) -> list[StarRating]:
    """Every star rating of an org, newest first."""
    return list(StarRating.objects.filter(org=org).select_related("campaign", "changed_by")
                .order_by("-valid_from", "-id"))


def current_star_rating(org, today: datetime.date | None = None) -> StarRating | None:
    """The org's rating valid today (the newest when several), or None."""
    today = today or local_today()
    for rating in star_history(org):
        if rating.is_current_on(today):
            return rating
    return None


def star_rating(pk: int) -> StarRating | None:
    """Star rating `pk` with its org and campaign, or None."""
    return StarRating.objects.select_related("org", "campaign").filter(pk=pk).first()


def grades_on_stars(campaign: Campaign) -> bool:
    """Does the campaign grade any sector on the star scale (星级)?"""
    return CampaignSector.objects.filter(campaign=campaign, scale__code="stars").exists()


def star_ratings(viewer: Viewer | None = None):
    """All star ratings (newest first) with org and campaign, scoped to the viewer."""
    qs = StarRating.objects.select_related("org", "campaign", "changed_by")
    if viewer is not None:
        qs = qs.filter(visible_orgs_q(viewer, "org__"))
    return qs.order_by("org__path", "-valid_from", "-id")

