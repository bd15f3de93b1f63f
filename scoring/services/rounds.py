"""Band positions and moves between rounds (晋位升级).

A grade's position is its band's index in its scale, top band = 0 (best). Two grades compare by *relative*
position, index / (number of bands − 1), so that top meets top and bottom meets bottom when the two rounds used
scales of different length (e.g. 四档 较差 → 三档 后进 is 保持). On the same scale this is exactly comparing the
indexes. The same label in both rounds is always 保持. An org with no grade in the previous round is 新参评; an org
with no grade yet in this round is 未定级.
"""
from fractions import Fraction

UP = "晋位升级"
KEEP = "保持"
DOWN = "降级"
NEW = "新参评"
UNGRADED = "未定级"
INCOMPARABLE = "无法比较"  # a label that is not a band of its scale (should not happen; shown, not guessed)
MOVES = (UP, KEEP, DOWN, NEW, UNGRADED, INCOMPARABLE)


def band_labels_by_sector(campaign) -> dict[int, list[str]]:
    """{sector_id: [labels, top band first]} for the sectors of a campaign (two queries)."""
    from scoring.models import CampaignSector, GradeBand

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


def move(previous_label: str | None, previous_labels: list[str], label: str | None, labels: list[str]) -> str:
    """The move of one org between two rounds: 晋位升级, 保持, 降级, 新参评, 未定级 (or 无法比较)."""
    if not label:
        return UNGRADED
    if not previous_label:
        return NEW
    if previous_label == label:
        return KEEP
    before = relative_position(previous_label, previous_labels)
    after = relative_position(label, labels)
    if before is None or after is None:
        return INCOMPARABLE
    if after < before:
        return UP
    if after > before:
        return DOWN
    return KEEP
