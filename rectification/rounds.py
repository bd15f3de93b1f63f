"""Band positions and moves between rounds (晋位升级).

A grade's position is its band's index in its scale, top band = 0 (best). Two grades compare by *relative*
position, index / (number of bands − 1), so that top meets top and bottom meets bottom when the two rounds used
scales of different length (e.g. 四档 较差 → 三档 后进 is 保持). On the same scale this is exactly comparing the
indexes. The same label in both rounds is always 保持. An org with no grade in the previous round is 新参评; an org
with no grade yet in this round is 未定级.
"""

from campaigns.scales import relative_position

UP = "晋位升级"
KEEP = "保持"
DOWN = "降级"
NEW = "新参评"
UNGRADED = "未定级"
INCOMPARABLE = "无法比较"  # a label that is not a band of its scale (should not happen; shown, not guessed)
MOVES = (UP, KEEP, DOWN, NEW, UNGRADED, INCOMPARABLE)


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
