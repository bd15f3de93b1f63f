"""Read paths of the setup pages (rubrics, campaign list): each a fixed number of queries, whatever the data size."""
from collections import defaultdict

from django.db.models import Count, Prefetch, Sum

from branches.access import Viewer
from branches.models import Sector

from .models import Campaign, CampaignSector, Criterion, GradeScale, Indicator, PhaseDate, RubricVersion
from .selectors import campaigns_for_viewer


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


def rubric_with_items(pk: int) -> RubricVersion:
    """The version with `indicators` (and their `criteria`) prefetched in order, and `used_by` campaigns."""
    rubric = (RubricVersion.objects.select_related("sector", "based_on")
              .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position").prefetch_related(
                  Prefetch("criteria", queryset=Criterion.objects.order_by("position")))))
              .get(pk=pk))
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
