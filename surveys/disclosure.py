"""What the survey's results may show, to whom and when: the one rule the views, the org's results page, the
overview and the exporters share (docs/anonymity.md, "A secretary", "Staff").

- While 党员群众测评 is open, nobody but staff sees a tally: only 「已收到 N 份」 with N rounded down to a multiple
  of SMALL_N, and nothing below SMALL_N (received_label). Counts, rates and text appear once the phase ends.
  Votes are mixed in batches (surveys/mixer.py), so even staff see a tally move only by a batch at a time.
- Small groups are hidden from every viewer and in every export, in every phase: a respondent category, an
  indicator or the free text of an org with 1 to SMALL_N − 1 answers shows "<5" (shown_count, hides_group).
"""
from campaigns.models import Phase

SMALL_N = 5  # fixed (issue 17, Decisions); the campaign's minimum of respondents is another number
HIDDEN = "<5"


def survey_open(campaign) -> bool:
    return campaign.phase == Phase.SURVEY


def tally_visible(viewer, campaign) -> bool:
    """Whether `viewer` may see counts and rates of `campaign`'s survey now: staff always, anyone else once
    党员群众测评 has ended (before it there is nothing to see)."""
    return bool(getattr(viewer, "is_staff", False)) or not survey_open(campaign)


def received_label(n: int) -> str:
    """「已收到 N 份」 with N rounded down to a multiple of SMALL_N; "" below SMALL_N."""
    shown = n // SMALL_N * SMALL_N
    return f"已收到 {shown} 份" if shown else ""


def hides_group(n: int) -> bool:
    """A group (a category, an indicator's answers, an org's free text) of n answers is hidden: 0 < n < SMALL_N."""
    return 0 < n < SMALL_N


def shown_count(value: int, group_size: int):
    """A count of a group as it may be shown: the number, or HIDDEN when the group is small."""
    return HIDDEN if hides_group(group_size) else value


def shown_counts(values, group_size: int | None = None) -> list:
    """[满意, 基本满意, 不满意] of a group as shown: all three HIDDEN when the group (their sum unless given) is small."""
    values = list(values)
    size = sum(values) if group_size is None else group_size
    return [HIDDEN] * len(values) if hides_group(size) else values
