"""Read paths of the setup pages (rubrics, campaign list): each a fixed number of queries, whatever the data size."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Length, Substr

from branches.access import Viewer, visible_orgs_q
from branches.models import Org, Sector
from campaigns.models import (
    Campaign,
    CampaignSector,
    Criterion,
    GradeScale,
    Indicator,
    Participation,
    PhaseDate,
    RubricVersion,
)


def rubrics_by_sector() -> list[dict]:
    """[{sector, versions}] for every sector in order; each version carries indicator_count, total (sum of
    indicator maxima) and `used_by` (the campaigns using it; non-empty = frozen). Three queries."""
    used = defaultdict(list)
    for cs in CampaignSector.objects.select_related("campaign").order_by("-campaign__year", "campaign__name"):
        used[cs.rubric_id].append(cs.campaign)
    versions = defaultdict(list)
    for r in (RubricVersion.objects.annotate(indicator_count=Count("indicators"), total=Sum("indicators__max_score"))
              .select_related("based_on").order_by("-created_at", "-pk")):
        r.used_by = used.get(r.pk, [])
        versions[r.sector_id].append(r)
    return [{"sector": s, "versions": versions.get(s.pk, [])} for s in Sector.objects.order_by("order", "name")]


def rubric_with_items(pk) -> RubricVersion | None:
    """The version `pk` with `indicators` (and their `criteria`) prefetched in order, and `used_by` campaigns;
    None when there is no such version."""
    rubric = (RubricVersion.objects.select_related("sector", "based_on")
              .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position").prefetch_related(
                  Prefetch("criteria", queryset=Criterion.objects.order_by("position")))))
              .filter(pk=pk).first())
    if rubric is None:
        return None
    rubric.used_by = [cs.campaign for cs in rubric.campaign_sectors.select_related("campaign")]
    return rubric


def campaign_rows(viewer: Viewer) -> list[Campaign]:
    """The campaigns a viewer may see (staff: all; reviewers: those over their orgs), each with `sector_names`."""
    campaigns = campaigns_for_viewer(viewer)
    names = defaultdict(list)
    for campaign_id, name in (CampaignSector.objects.filter(campaign__in=[c.pk for c in campaigns])
                              .order_by("sector__order").values_list("campaign_id", "sector__name")):
        names[campaign_id].append(name)
    for c in campaigns:
        c.sector_names = names.get(c.pk, [])
    return campaigns


def campaign_settings(campaign: Campaign) -> dict:
    """The per-sector settings (rubric, scale with bands, effective floor gate) and the 9 phase dates."""
    sectors = list(
        CampaignSector.objects.filter(campaign=campaign).select_related("sector", "rubric", "scale")
        .prefetch_related("scale__bands").order_by("sector__order", "sector__name")
    )
    for cs in sectors:
        cs.campaign = campaign  # effective_floor_gate() reads the campaign's gate without a query
    dates = {d.phase: d for d in PhaseDate.objects.filter(campaign=campaign)}
    return {"sectors": sectors, "dates": dates}


def scales() -> list[GradeScale]:
    return list(GradeScale.objects.prefetch_related("bands").order_by("code"))


def parent_path_expr(ref="path"):
    """SQL for the parent's path of an org row (the path less its last step)."""
    return Substr(OuterRef(ref), 1, Length(OuterRef(ref)) - Org.steplen)


def with_parent(qs):
    """Annotate each org with its parent's name, code and sector id (one query, any depth)."""
    parent = Org.objects.filter(path=parent_path_expr())
    return qs.annotate(
        parent_name=Subquery(parent.values("name")[:1]),
        parent_code=Subquery(parent.values("code")[:1]),
        parent_sector_id=Subquery(parent.values("sector_id")[:1]),
    )


def targets(campaign: Campaign):
    """定级对象 of a campaign, in tree order (SPEC §2): every org strictly inside the root's subtree whose sector
    takes part, except that an org of a 'graded at top only' sector (村, 社区) is graded only when its parent is
    not of the same sector. Each gradable org appears exactly once."""
    root = campaign.root
    qs = with_parent(
        Org.objects.filter(
            path__startswith=root.path,
            depth__gt=root.depth,
            sector_id__in=campaign.sectors.values("sector_id"),
        )
    )
    return (
        qs.exclude(
            Q(sector__graded_at_top_only=True) & Q(parent_sector_id__isnull=False) & Q(parent_sector_id=F("sector_id"))
        )
        .select_related("sector")
        .order_by("path")
    )


def campaign_target(campaign: Campaign, org: Org) -> Org | None:
    """`org` as one of the campaign's 定级对象 (with the annotations of `targets()`), or None if it is not one."""
    return targets(campaign).filter(pk=org.pk).first()


def campaigns_for_viewer(viewer: Viewer):
    """Campaigns a viewer may see: all for staff; for others, those whose scope holds one of their orgs."""
    qs = Campaign.objects.select_related("root").order_by("-year", "-created_at")
    if viewer.is_staff:
        return list(qs)
    if not viewer.is_authenticated:
        return []
    my_paths = list(
        Org.objects.filter(pk__in=viewer.secretary_org_ids | viewer.reviewer_org_ids).values_list("path", flat=True)
    )
    return [c for c in qs if any(p.startswith(c.root.path) or c.root.path.startswith(p) for p in my_paths)]


def _graded_through(org: Org, root: Org, target_ids: set, by_path: dict) -> Org | None:
    """The nearest 定级对象 above `org` inside the campaign's tree (a village branch is graded with it), if any."""
    parent_path = org.path[: -Org.steplen]
    while parent_path and len(parent_path) > len(root.path):
        parent = by_path.get(parent_path)
        if parent is not None and parent.pk in target_ids:
            return parent
        parent_path = parent_path[: -Org.steplen]
    return None


def _exclusion_reason(org: Org, root: Org, taking_part: set, target_ids: set, by_path: dict) -> str:
    """Why an org of the campaign's tree that is not a 定级对象 is not one (SPEC §2)."""
    if org.sector_id is None:
        return "党委未设所属领域，本身不作为定级对象"
    if org.sector_id not in taking_part:
        return f"所属领域“{org.sector.name}”未参加本次定级"
    if not org.sector.graded_at_top_only:
        return "不符合定级对象条件"
    top = _graded_through(org, root, target_ids, by_path)
    return (f"村、社区党组织下属的党支部，随“{top.name}”一并定级" if top
            else "村、社区党组织下属的党支部，随其上级村、社区党组织定级")


def _tally(orgs: list[Org], units: list[Org], sectors: list, root: Org, target_ids: set) -> tuple[dict, dict]:
    """({unit path: [定级对象 per sector]}, {reason: [orgs not graded on their own]}) over `orgs`."""
    by_path = {o.path: o for o in orgs}
    unit_len = (root.depth + 1) * Org.steplen
    column = {s.pk: i for i, s in enumerate(sectors)}
    counts = {u.path: [0] * len(sectors) for u in units}
    reasons: dict[str, list] = {}
    for org in orgs:
        if org.pk in target_ids:
            counts[org.path[:unit_len]][column[org.sector_id]] += 1
        else:
            reasons.setdefault(_exclusion_reason(org, root, set(column), target_ids, by_path), []).append(org)
    return counts, reasons


def _unit_rows(units: list[Org], counts: dict, orgs: list[Org], root: Org, viewer: Viewer | None) -> list[dict]:
    """[{unit, counts, total}] for the units the viewer sees (staff or no viewer: every unit)."""
    unit_len = (root.depth + 1) * Org.steplen
    visible_units = {o.path[:unit_len] for o in orgs}
    everything = viewer is None or viewer.is_staff
    return [{"unit": u, "counts": counts[u.path], "total": sum(counts[u.path])}
            for u in units if everything or u.path in visible_units]


def _excluded_groups(reasons: dict) -> list[dict]:
    """[{reason, orgs}] by reason; a village/community branch "graded through" its parent is listed last: it is
    covered, just not separately."""
    return sorted(({"reason": k, "orgs": v} for k, v in reasons.items()),
                  key=lambda g: ("随" in g["reason"], g["reason"]))


def campaign_coverage(campaign: Campaign, viewer: Viewer | None = None) -> dict:
    """Who is graded in `campaign` and who is not, and why — in four queries whatever the tree size.

    Every org strictly inside the root's subtree (limited to what `viewer` may see, when given and not staff) is
    either one 定级对象 (from `targets()`, counted once under its unit = the directly subordinate org of the root
    it lies in, and under its sector) or listed in `excluded` with its reason. Returns a dict:
    sectors (taking part, in order), rows [{unit, counts per sector, total}], totals, total, scope_count,
    excluded [{reason, orgs}], excluded_count, empty_units (units without a 定级对象), empty_sectors."""
    root = campaign.root
    limit = visible_orgs_q(viewer) if viewer is not None else Q()
    sectors = [cs.sector for cs in CampaignSector.objects.filter(campaign=campaign).select_related("sector")
               .order_by("sector__order", "sector__name")]
    target_ids = set(targets(campaign).filter(limit).values_list("pk", flat=True))
    orgs = list(
        Org.objects.filter(limit, path__startswith=root.path, depth__gt=root.depth)
        .select_related("sector").order_by("path")
    )
    units = list(Org.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by("path"))
    counts, reasons = _tally(orgs, units, sectors, root, target_ids)
    rows = _unit_rows(units, counts, orgs, root, viewer)
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(sectors))]
    excluded = _excluded_groups(reasons)
    return {
        "sectors": sectors,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "scope_count": len(orgs),
        "excluded": excluded,
        "excluded_count": sum(len(g["orgs"]) for g in excluded),
        "empty_units": [r["unit"] for r in rows if r["total"] == 0],
        "empty_sectors": [s for s, n in zip(sectors, totals, strict=True) if n == 0],
    }


# --- Who votes ----------------------------------------------------------------------------------------------------

INSTITUTION_SECTOR = "机关事业单位"


@dataclass(frozen=True)
class Expected:
    """An org's 应参评人数: members + masses; `custom` when the campaign set them for this org (Participation)."""

    members: int
    masses: int
    custom: bool = False

    @property
    def total(self) -> int:
        return self.members + self.masses


def expected_participants(campaign: Campaign, orgs) -> dict[int, Expected]:
    """{org_id: Expected} for `orgs` (Org instances with member_count): the campaign's Participation row, else the
    org's 党员人数 plus the campaign's 群众代表 number. One query."""
    orgs = list(orgs)
    qs = Participation.objects.filter(campaign=campaign)
    if len(orgs) <= 500:  # a longer IN (…) list costs more than reading the campaign's rows
        qs = qs.filter(org_id__in=[o.pk for o in orgs])
    rows = {p.org_id: p for p in qs}
    out = {}
    for org in orgs:
        row = rows.get(org.pk)
        out[org.pk] = (Expected(row.members, row.masses, True) if row is not None
                       else Expected(org.member_count, campaign.masses_per_org))
    return out


def participation_rows(campaign: Campaign) -> list[tuple[Org, Expected]]:
    """Every 定级对象 (tree order) with its expected participants. Two queries."""
    orgs = list(targets(campaign))
    expected = expected_participants(campaign, orgs)
    return [(o, expected[o.pk]) for o in orgs]
