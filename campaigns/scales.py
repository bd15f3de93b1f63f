from fractions import Fraction


def band_labels_by_sector(campaign) -> dict[int, list[str]]:
    """{sector_id: [labels, top band first]} for the sectors of a campaign (two queries)."""
    from campaigns.models import CampaignSector, GradeBand

    sector_scale = dict(CampaignSector.objects.filter(campaign=campaign).values_list("sector_id", "scale_id"))
    labels_by_scale: dict[int, list[str]] = {}
    for scale_id, label in (
        GradeBand.objects.filter(scale_id__in=set(sector_scale.values())).order_by("scale_id", "-min_score")
        .values_list("scale_id", "label")
    ):
        labels_by_scale.setdefault(scale_id, []).append(label)
    return {sector_id: labels_by_scale.get(scale_id, []) for sector_id, scale_id in sector_scale.items()}


def position(label: str, labels: list[str]) -> int | None:
    """Index of `label` in `labels` (top = 0), None when the label is not a band of that scale."""
    try:
        return labels.index(label)
    except ValueError:
        return None


def relative_position(label: str, labels: list[str]) -> Fraction | None:
    """0 for the top band, 1 for the bottom band, evenly between; None when unknown."""
    index = position(label, labels)
    if index is None:
        return None
    if len(labels) <= 1:
        return Fraction(0)
    return Fraction(index, len(labels) - 1)


def rank(label: str, labels: list[str]) -> int:
    """The relative position as an integer 0 (top band) … 1000 (bottom band), for sorting grades of several
    scales together (四档 一般 = 667 sorts after 三档 一般 = 500 and 四档 较好 = 333); 1000 when unknown."""
    rel = relative_position(label, labels)
    return 1000 if rel is None else round(rel * 1000)
