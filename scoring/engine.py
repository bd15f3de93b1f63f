"""The grading engine: every rule of SPEC §6, exact, and nothing else.

Pure Python (no Django): Decimals and Fractions in, a `GradeResult` out. Floats are refused, so no result can
depend on binary rounding.

    T = wS·S + wV·V + wR·R      with V = 100·p and p = (满意 + 基本满意) / 总票数, all exact Fractions
    T is rounded half up to one decimal (89.95 → 90.0)
    band = the highest band whose minimum ≤ T (lower bound inclusive)
    gates (when the scale uses them and p is known):
        p < floor_gate → the bottom band directly
        p < top_gate   → cannot take the top band, takes the second
        p exactly at a gate passes it
    the floor gate of a sector: the campaign sector's own value, else the sector's default (机关事业单位 0.60),
        else the campaign's (effective_floor_gate)
    a component with weight > 0 that is missing → no grade, with the reason ("缺少测评数据")
    fewer respondents than the campaign's minimum (all channels; 0 = no minimum), where the survey counts
        → no grade, with the reason "测评人数不足（3/5）"

The grade vote (与会人员以无记名测评方式评定党支部等级), per sector (Policy.vote_mode):
    "satisfaction": no grade vote — everything above
    "instead": the vote decides the computed grade; wV counts as 0 and no satisfaction gate applies (S and R are
        still required where weighted, and shown)
    "beside": the score grade as above, and the computed grade is the lower of it and the vote grade
    the vote grade (vote_grade): going down from the top band, the first band whose cumulative share of the valid
        votes (votes for a band of the scale) reaches `vote_share` (default ½, exactly ½ passes); the bottom band
        always does. 先进 6 / 一般 3 / 后进 1 → 先进; 5/5/0 → 先进; 4/4/2 → 一般; 2/2/6 → 后进

Precedence, first match wins (compute_grade): the org's sector does not take part → no grade; an input is missing
→ no grade; fewer respondents than the minimum → no grade; below the floor gate → the bottom band; below the top gate with a top-band score → the second band;
else the band of the score.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from campaigns.gates import effective_floor_gate  # the one precedence of configured floor gates

__all__ = [
    "MISSING_REVIEW",
    "MISSING_SELF",
    "MISSING_SURVEY",
    "NOT_TAKING_PART",
    "Band",
    "EngineInputError",
    "GradeResult",
    "Policy",
    "Votes",
    "compute_grade",
    "effective_floor_gate",
    "missing_inputs",
    "not_graded",
    "round_half_up",
    "satisfaction_rate",
    "too_few_responses",
    "vote_grade",
]

MISSING_SELF = "缺少自评得分"
MISSING_SURVEY = "缺少测评数据"
MISSING_REVIEW = "缺少评定得分"
NOT_TAKING_PART = "该领域未参加本次定级"
TOO_FEW = "测评人数不足（{n}/{m}）"
MISSING_GRADE_VOTES = "缺少等次投票数据"
VOTE_MODES = ("satisfaction", "instead", "beside")

ONE = Fraction(1)
HUNDRED = Fraction(100)


class EngineInputError(ValueError):
    """The policy or an input is malformed (negative weight, weights not summing to 1, float input ...)."""


@lru_cache(maxsize=4096)
def _decimal_fraction(value: Decimal) -> Fraction:
    return Fraction(value)


def _exact(value, what: str) -> Fraction:
    """A Fraction equal to `value`; ints, Decimals and Fractions only (a float would smuggle in binary error)."""
    if isinstance(value, (bool, float)):
        raise EngineInputError(f"{what} 必须是精确数（Decimal/Fraction/int），不能是浮点数：{value!r}")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EngineInputError(f"{what} 不是有限数：{value!r}")
        return _decimal_fraction(value)
    if isinstance(value, str):
        return Fraction(Decimal(value))
    raise EngineInputError(f"{what} 的类型不支持：{type(value).__name__}")


@dataclass(frozen=True)
class Band:
    label: str
    min_score: Decimal


@dataclass(frozen=True)
class Votes:
    satisfied: int
    basic: int
    unsatisfied: int

    def __post_init__(self):
        for name in ("satisfied", "basic", "unsatisfied"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise EngineInputError(f"票数必须是非负整数：{name}={v!r}")

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied


def satisfaction_rate(votes: Votes | None) -> Fraction | None:
    """满意率 p = (满意 + 基本满意) / 总票数 as an exact Fraction; None without votes."""
    if votes is None or votes.total == 0:
        return None
    return Fraction(votes.satisfied + votes.basic, votes.total)


def _exact_weights(weights) -> tuple[Fraction, Fraction, Fraction]:
    ws = tuple(_exact(w, "权重") for w in weights)
    if len(ws) != 3:
        raise EngineInputError("权重必须是三个数：自评、测评、评定")
    if any(w < 0 for w in ws):
        raise EngineInputError("权重不能为负数")
    if sum(ws) != 1:
        raise EngineInputError(f"权重之和必须等于 1（现为 {_fmt_exact(sum(ws))}）")
    return ws


def _ordered_bands(raw) -> tuple[Band, ...]:
    """The bands highest minimum first; refuses no bands, a repeated label or a repeated minimum."""
    bands = tuple(b if isinstance(b, Band) else Band(b[0], Decimal(b[1])) for b in raw)
    if not bands:
        raise EngineInputError("等次标准没有任何等次")
    labels = [b.label for b in bands]
    if len(set(labels)) != len(labels):
        raise EngineInputError("等次名称重复")
    bands = tuple(sorted(bands, key=lambda b: _exact(b.min_score, "等次最低分"), reverse=True))
    if len({_exact(b.min_score, "等次最低分") for b in bands}) != len(bands):
        raise EngineInputError("等次最低分重复")
    return bands


def _exact_gate(gate, name: str) -> Fraction | None:
    if gate is None:
        return None
    value = _exact(gate, name)
    if not 0 <= value <= 1:
        raise EngineInputError(f"{name}必须在 0 与 1 之间")
    return value


@dataclass(frozen=True)
class Policy:
    """Weights (wS, wV, wR), the bands of the org's scale, and the survey gates of its sector.

    `bands` may come in any order; they are kept highest minimum first. `floor_gate` is the sector's effective
    floor (see effective_floor_gate). `gates_apply` is False for the star scale. `min_responses` is the campaign's
    minimum of respondents (0 = none)."""

    weights: tuple
    bands: tuple
    top_gate: Decimal | Fraction | None = Decimal("0.90")
    floor_gate: Decimal | Fraction | None = Decimal("0.50")
    gates_apply: bool = True
    min_responses: int = 0
    vote_mode: str = "satisfaction"
    vote_share: Decimal | Fraction = Fraction(1, 2)

    def __post_init__(self):
        if isinstance(self.min_responses, bool) or not isinstance(self.min_responses, int) or self.min_responses < 0:
            raise EngineInputError(f"最少测评人数必须是非负整数：{self.min_responses!r}")
        if self.vote_mode not in VOTE_MODES:
            raise EngineInputError(f"等次投票方式必须是 {'、'.join(VOTE_MODES)} 之一：{self.vote_mode!r}")
        share = _exact_gate(self.vote_share, "等次投票当选比例")
        if share is None or share <= 0:
            raise EngineInputError("等次投票当选比例必须大于 0 且不超过 1")
        object.__setattr__(self, "_vote_share", share)
        ws = _exact_weights(self.weights)
        bands = _ordered_bands(self.bands)
        top = _exact_gate(self.top_gate, "评为最高等次的满意率门槛")
        floor = _exact_gate(self.floor_gate, "末等满意率下限")
        mins = tuple(_exact(b.min_score, "等次最低分") for b in bands)
        # Constants of every computation under this policy, prepared once.
        prepared = {
            "bands": bands,
            "_weights_exact": ws,
            "_weight_texts": tuple(_fmt_weight(w) for w in ws),
            "_band_mins": mins,
            "_band_min_texts": tuple(_fmt_exact(m) for m in mins),
            # T (rounded to tenths, an int q) reaches a band when q ≥ ceil(10·min): integer comparisons only.
            "_band_min_tenths": tuple(-((-m.numerator * 10) // m.denominator) for m in mins),
            "_active": tuple(w > 0 for w in ws),
            "_gates": (top, floor),
            "_gate_texts": tuple(None if g is None else _fmt_gate(g) for g in (top, floor)),
        }
        for name, value in prepared.items():
            object.__setattr__(self, name, value)

    @property
    def exact_weights(self) -> tuple[Fraction, Fraction, Fraction]:
        return self._weights_exact  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GradeResult:
    """The outcome for one org. `label` is "" and `band_index` None when there is no grade yet (`reason` says why).

    `total` is T rounded half up to one decimal; `exact_total` the unrounded Fraction; `p` the exact 满意率."""

    total: Decimal | None
    exact_total: Fraction | None
    label: str
    band_index: int | None
    score_band_index: int | None
    p: Fraction | None
    explanation: str
    reason: str = ""
    rules: tuple[str, ...] = ()

    @property
    def graded(self) -> bool:
        return self.band_index is not None


def _round_int(value: Fraction, places: int) -> int:
    """value × 10^places rounded half up (halves away from zero), as an int. Integer arithmetic only."""
    n, d = value.numerator, value.denominator
    q = (2 * abs(n) * 10 ** places + d) // (2 * d)
    return -q if n < 0 else q


def _int_text(q: int, places: int) -> str:
    """The decimal text of q / 10^places with exactly `places` decimals."""
    sign, q = ("-" if q < 0 else ""), abs(q)
    if places == 0:
        return f"{sign}{q}"
    scale = 10 ** places
    return f"{sign}{q // scale}.{q % scale:0{places}d}"


def round_half_up(value, places: int = 1) -> Decimal:
    """`value` rounded half up (away from zero for halves) to `places` decimals, computed exactly."""
    value = Fraction(value)
    return Decimal(_int_text(_round_int(value, places), places))


def _places_needed(value: Fraction) -> int | None:
    """How many decimals write `value` exactly; None when its decimal expansion repeats."""
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


@lru_cache(maxsize=8192)
def _fmt_exact(value: Fraction, min_places: int = 0, max_places: int = 4) -> str:
    """`value` written exactly when it has at most `max_places` decimals, else to `max_places - 1` with "…"."""
    places = _places_needed(value)
    if places is None or places > max_places:
        return _int_text(_round_int(value, max_places - 1), max_places - 1) + "…"
    places = max(places, min_places)
    return _int_text(_round_int(value, places), places)


def _fmt_weight(w: Fraction) -> str:
    return _fmt_exact(w, 0, 4)


def _fmt_percent(p: Fraction, gates: Sequence[Fraction] = ()) -> str:
    """p as a percentage with one decimal — more when one decimal would hide which side of a gate p lies on;
    exact values without trailing zeros (90%, 86.7%)."""
    pct = p * 100
    places_needed = _places_needed(pct)
    if places_needed is not None and places_needed <= 1:
        return _fmt_exact(pct, 0, 1) + "%"
    for places in (1, 2, 3, 4):
        q = _round_int(pct, places)
        shown = Fraction(q, 10 ** places)
        if not any(shown == g * 100 for g in gates):
            return _int_text(q, places) + "%"
    return _fmt_exact(pct, 0, 6) + "%"


def _fmt_gate(g: Fraction) -> str:
    return _fmt_exact(g * 100, 0, 4) + "%"


# ------------------------------------------------------------------ inputs

def _as_votes(votes) -> Votes | None:
    if votes is None or isinstance(votes, Votes):
        return votes
    if hasattr(votes, "satisfied"):  # any tally with the three counts (surveys' VoteCount)
        return Votes(votes.satisfied, votes.basic, votes.unsatisfied)
    return Votes(*votes)


def _score(value, name: str) -> Fraction | None:
    if value is None:
        return None
    exact = _exact(value, name)
    if not 0 <= exact.numerator <= 100 * exact.denominator:
        raise EngineInputError(f"{name}必须在 0 到 100 之间：{_fmt_exact(exact)}")
    return exact


def missing_inputs(weights, *, self_score, votes, review_score) -> tuple[str, ...]:
    """The reasons (MISSING_SELF, MISSING_SURVEY, MISSING_REVIEW, in that order) why these inputs cannot be graded
    under `weights` (three exact numbers, or a Policy): each component with weight > 0 that is None (votes: None
    or no vote at all). Empty when nothing is missing."""
    votes = _as_votes(votes)
    if isinstance(weights, Policy):
        active = weights._active
    else:
        active = tuple(w > 0 for w in _exact_weights(weights))
    present = (self_score is not None, votes is not None and votes.total > 0, review_score is not None)
    reasons = (MISSING_SELF, MISSING_SURVEY, MISSING_REVIEW)
    return tuple(reason for reason, used, there in zip(reasons, active, present, strict=True) if used and not there)


def _vote_facts(votes: Votes | None) -> list[str]:
    if votes is None or not votes.total:
        return []
    return [f"测评票数：满意 {votes.satisfied}、基本满意 {votes.basic}、不满意 {votes.unsatisfied}"]


def not_graded(reasons: Sequence[str], votes=None) -> GradeResult:
    """The result for an org that cannot be graded for `reasons` (what compute_grade returns then): the explanation
    "未定级：<reasons>" followed by the vote tally when there are votes."""
    votes = _as_votes(votes)
    reason = "；".join(reasons)
    facts = _vote_facts(votes)
    explanation = "未定级：" + reason + ("（" + "；".join(facts) + "）" if facts else "")
    if NOT_TAKING_PART in reasons:
        rules = ("not_taking_part",)
    elif any(r.startswith(TOO_FEW[:6]) for r in reasons):
        rules = ("min_responses",)
    else:
        rules = ("missing",)
    return GradeResult(None, None, "", None, None, satisfaction_rate(votes), explanation, reason, rules)


def too_few_responses(responses: int, minimum: int, *, survey_counts: bool = True) -> str | None:
    """The reason "测评人数不足（n/m）" when `responses` (respondents of every channel) is below `minimum` and the
    survey is an input of the grade (`survey_counts`); None otherwise (always when the minimum is 0)."""
    for name, value in (("测评人数", responses), ("最少测评人数", minimum)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EngineInputError(f"{name}必须是非负整数：{value!r}")
    if minimum and survey_counts and responses < minimum:
        return TOO_FEW.format(n=responses, m=minimum)
    return None


def _exact_grade_votes(grade_votes) -> dict[str, int] | None:
    """{label: count} from a mapping or (label, count) pairs; None for None. Counts must be non-negative ints."""
    if grade_votes is None:
        return None
    items = grade_votes.items() if hasattr(grade_votes, "items") else grade_votes
    out: dict[str, int] = {}
    for label, n in items:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise EngineInputError(f"等次票数必须是非负整数：{label}={n!r}")
        out[str(label)] = out.get(str(label), 0) + n
    return out


def vote_grade(policy: Policy, grade_votes) -> tuple[int | None, str]:
    """(band index, explanation) of a grade vote under `policy`: going down from the top band, the first band
    whose cumulative share of the valid votes reaches the policy's vote share (exact Fractions; the bottom band
    always does). (None, reason) without a valid vote. Votes for a label outside the scale are not valid."""
    votes = _exact_grade_votes(grade_votes) or {}
    counts = [votes.get(b.label, 0) for b in policy.bands]
    valid = sum(counts)
    if not valid:
        return None, MISSING_GRADE_VOTES
    share = policy._vote_share
    share_text = _fmt_gate(share)
    tally = "、".join(f"{b.label} {n}" for b, n in zip(policy.bands, counts, strict=True))
    steps = [f"等次投票：{tally}（有效票 {valid}）"]
    cumulative = 0
    for i, (band, n) in enumerate(zip(policy.bands, counts, strict=True)):
        cumulative += n
        reached = Fraction(cumulative, valid)
        span = band.label if i == 0 else f"{policy.bands[0].label}至{band.label}"
        pct = _fmt_percent(reached, [share])
        if reached >= share:
            steps.append(f"{span} {pct} ≥ {share_text}，投票等次：{band.label}")
            return i, "；".join(steps)
        steps.append(f"{span} {pct} < {share_text}")
    raise AssertionError("the bottom band's cumulative share is 1")  # pragma: no cover


# ------------------------------------------------------------------ the computation

def _total(policy: Policy, components) -> tuple[Fraction, list[str]]:
    """T = Σ w·x over the components with weight > 0, and the terms as text. Summed as one integer numerator over
    one denominator (exactly the Fraction sum, without a Fraction per step)."""
    terms = []
    num, den = 0, 1
    for w, active, w_text, x in zip(policy.exact_weights, policy._active, policy._weight_texts, components,
                                  strict=True):
        if active:
            tn, td = w.numerator * x.numerator, w.denominator * x.denominator
            num, den = num * td + tn * den, den * td
            terms.append(f"{w_text}×{_fmt_exact(x, 1, 4)}")
    return Fraction(num, den), terms


def _score_band(policy: Policy, tenths: int, rounded_text: str) -> tuple[int, str]:
    """The index of the band the rounded total reaches (the bottom band when it reaches none) and its step."""
    min_tenths = policy._band_min_tenths
    for i, minimum in enumerate(min_tenths):
        if minimum <= tenths:
            return i, f"{rounded_text} ≥ {policy._band_min_texts[i]}，按得分为{policy.bands[i].label}"
    bottom = len(min_tenths) - 1
    return bottom, f"{rounded_text} 低于所有等次的最低分，按得分为{policy.bands[bottom].label}"


def _below(p: Fraction, gate: Fraction | None) -> bool:
    return gate is not None and p.numerator * gate.denominator < gate.numerator * p.denominator


def _gate(policy: Policy, p: Fraction | None, score_index: int) -> tuple[int, str | None, str | None]:
    """(band index, rule fired or None, explanation step or None) after the survey gates. A decision table: the
    first row whose condition holds decides."""
    bands = policy.bands
    if p is None:
        return score_index, None, ("无测评数据，满意率门槛不适用" if policy.gates_apply else None)
    if not policy.gates_apply:
        return score_index, None, f"满意率 {_fmt_percent(p)}；该等次标准不适用满意率门槛"
    top, floor = policy._gates
    top_text, floor_text = policy._gate_texts
    pct = _fmt_percent(p, [g for g in (top, floor) if g is not None])
    bottom = len(bands) - 1
    if _below(p, floor):
        return bottom, "floor_gate", f"满意率 {pct} < {floor_text}，直接定为{bands[bottom].label}"
    if _below(p, top) and score_index == 0 and len(bands) > 1:
        return 1, "top_gate", f"满意率 {pct} < {top_text}，不得评为{bands[0].label} → {bands[1].label}"
    if score_index == 0 and top is not None:
        return score_index, None, f"满意率 {pct} ≥ {top_text}，可评为{bands[0].label}"
    if floor is not None:
        return score_index, None, f"满意率 {pct} ≥ {floor_text}"
    return score_index, None, f"满意率 {pct}"


def _vote_missing(policy: Policy, s, votes, r, grade_votes) -> tuple[str, ...]:
    """What is missing under a grade vote: in mode "instead" the weighted S and R and the vote (satisfaction votes
    are not needed); in mode "beside" everything the weights need, and the vote."""
    if policy.vote_mode == "instead":
        w = policy._active
        missing = [reason for reason, used, there in ((MISSING_SELF, w[0], s is not None),
                                                     (MISSING_REVIEW, w[2], r is not None)) if used and not there]
    else:
        missing = list(missing_inputs(policy, self_score=s, votes=votes, review_score=r))
    if not sum((_exact_grade_votes(grade_votes) or {}).get(b.label, 0) for b in policy.bands):
        missing.append(MISSING_GRADE_VOTES)
    return tuple(missing)


def _instead_result(policy: Policy, s, r, votes, grade_votes) -> GradeResult:
    """Mode "instead": the vote decides; S and R are shown, no combined score, no satisfaction gate."""
    index, vote_text = vote_grade(policy, grade_votes)
    label = policy.bands[index].label
    shown = [f"{name} {_fmt_exact(x, 1, 4)}" for name, x in (("自评得分", s), ("评定得分", r)) if x is not None]
    steps = [*shown, "本领域以等次投票定级（测评不计入综合得分，不适用满意率门槛）", vote_text, f"计算等次：{label}"]
    explanation = "；".join(steps)
    facts = _vote_facts(votes)
    if facts:
        explanation += "（" + "；".join(facts) + "）"
    return GradeResult(None, None, label, index, None, satisfaction_rate(votes), explanation, "", ("grade_vote",))


def _not_gradable(policy: Policy, s, votes, r, grade_votes, responses) -> tuple[str, ...]:
    """Why these inputs cannot be graded (empty when they can): the missing inputs, else too few respondents
    (`responses` None: the larger of the satisfaction votes' and the grade votes' totals)."""
    voting = policy.vote_mode != "satisfaction"
    if voting:
        missing = _vote_missing(policy, s, votes, r, grade_votes)
    else:
        missing = missing_inputs(policy, self_score=s, votes=votes, review_score=r)
    if missing:
        return missing
    if responses is None:
        responses = max(votes.total if votes is not None else 0,
                        sum((_exact_grade_votes(grade_votes) or {}).values()))
    too_few = too_few_responses(responses, policy.min_responses, survey_counts=voting or policy._active[1])
    return (too_few,) if too_few else ()


def compute_grade(*, self_score, votes: Votes | tuple | None, review_score, policy: Policy | None,
                  responses: int | None = None, grade_votes=None) -> GradeResult:
    """Apply SPEC §6 to one org. Missing inputs are None; `policy` is None when the org's sector does not take
    part; `responses` is the number of respondents of every channel (None: the larger of the satisfaction votes'
    and the grade votes' totals); `grade_votes` the grade vote ({band label: count}, under a policy with a vote
    mode). The rules apply in the precedence of the module docstring. Never raises for missing data; raises
    EngineInputError for malformed input (a float, a score outside 0..100, negative votes)."""
    votes = _as_votes(votes)
    s, r = _score(self_score, "自评得分"), _score(review_score, "评定得分")
    if policy is None:
        return not_graded((NOT_TAKING_PART,))
    blocked = _not_gradable(policy, s, votes, r, grade_votes, responses)
    if blocked:
        return not_graded(blocked, votes)
    if policy.vote_mode == "instead":
        return _instead_result(policy, s, r, votes, grade_votes)

    p = satisfaction_rate(votes)
    total, terms = _total(policy, (s, None if p is None else HUNDRED * p, r))
    tenths = _round_int(total, 1)
    rounded_text = _int_text(tenths, 1)
    formula = f"综合得分 = {' + '.join(terms)} = {_fmt_exact(total, 1, 4)}"
    if tenths * total.denominator != total.numerator * 10:  # rounding changed the value
        formula += f" → {rounded_text}"
    score_index, score_step = _score_band(policy, tenths, rounded_text)
    index, rule, gate_step = _gate(policy, p, score_index)

    rules = ("score", rule) if rule else ("score",)
    steps = [formula, score_step, *([gate_step] if gate_step else [])]
    if policy.vote_mode == "beside":
        vote_index, vote_text = vote_grade(policy, grade_votes)
        steps.append(vote_text)
        lower = max(index, vote_index)
        steps.append(f"按得分与满意率为{policy.bands[index].label}，投票等次为{policy.bands[vote_index].label}，"
                     f"取较低者")
        index = lower
        rules = (*rules, "grade_vote")
    label = policy.bands[index].label
    steps.append(f"计算等次：{label}")
    explanation = "；".join(steps)
    facts = _vote_facts(votes)
    if facts:
        explanation += "（" + "；".join(facts) + "）"
    return GradeResult(Decimal(rounded_text), total, label, index, score_index, p, explanation, "", rules)
