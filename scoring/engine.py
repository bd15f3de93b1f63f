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
    a component with weight > 0 that is missing → no grade, with the reason ("缺少测评数据")
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Sequence

__all__ = [
    "Band", "Policy", "Votes", "GradeResult", "compute_grade", "round_half_up", "satisfaction_rate",
    "MISSING_SELF", "MISSING_SURVEY", "MISSING_REVIEW", "EngineInputError",
]

MISSING_SELF = "缺少自评得分"
MISSING_SURVEY = "缺少测评数据"
MISSING_REVIEW = "缺少评定得分"

ONE = Fraction(1)
HUNDRED = Fraction(100)


class EngineInputError(ValueError):
    """The policy or an input is malformed (negative weight, weights not summing to 1, float input ...)."""


@lru_cache(maxsize=4096)
def _decimal_fraction(value: Decimal) -> Fraction:
    return Fraction(value)


def _exact(value, what: str) -> Fraction:
    """A Fraction equal to `value`; ints, Decimals and Fractions only (a float would smuggle in binary error)."""
    if isinstance(value, bool) or isinstance(value, float):
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


@dataclass(frozen=True)
class Policy:
    """Weights (wS, wV, wR), the bands of the org's scale, and the survey gates of its sector.

    `bands` may come in any order; they are kept highest minimum first. `floor_gate` is the sector's effective
    floor (机关事业单位 0.60, otherwise the campaign's). `gates_apply` is False for the star scale."""

    weights: tuple
    bands: tuple
    top_gate: Decimal | Fraction | None = Decimal("0.90")
    floor_gate: Decimal | Fraction | None = Decimal("0.50")
    gates_apply: bool = True

    def __post_init__(self):
        ws = tuple(_exact(w, "权重") for w in self.weights)
        if len(ws) != 3:
            raise EngineInputError("权重必须是三个数：自评、测评、评定")
        if any(w < 0 for w in ws):
            raise EngineInputError("权重不能为负数")
        if sum(ws) != 1:
            raise EngineInputError(f"权重之和必须等于 1（现为 {_fmt_exact(sum(ws))}）")
        bands = tuple(b if isinstance(b, Band) else Band(b[0], Decimal(b[1])) for b in self.bands)
        if not bands:
            raise EngineInputError("等次标准没有任何等次")
        labels = [b.label for b in bands]
        if len(set(labels)) != len(labels):
            raise EngineInputError("等次名称重复")
        bands = tuple(sorted(bands, key=lambda b: _exact(b.min_score, "等次最低分"), reverse=True))
        if len({_exact(b.min_score, "等次最低分") for b in bands}) != len(bands):
            raise EngineInputError("等次最低分重复")
        for gate, name in ((self.top_gate, "评为最高等次的满意率门槛"), (self.floor_gate, "末等满意率下限")):
            if gate is not None and not (0 <= _exact(gate, name) <= 1):
                raise EngineInputError(f"{name}必须在 0 与 1 之间")
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "_weights_exact", ws)
        # Constants of every computation under this policy, prepared once.
        object.__setattr__(self, "_weight_texts", tuple(_fmt_weight(w) for w in ws))
        object.__setattr__(self, "_band_mins", tuple(_exact(b.min_score, "等次最低分") for b in bands))
        object.__setattr__(self, "_band_min_texts", tuple(_fmt_exact(m) for m in self._band_mins))
        # T (rounded to tenths, an int q) reaches a band when q ≥ ceil(10·min): integer comparisons only.
        object.__setattr__(self, "_band_min_tenths", tuple(-((-m.numerator * 10) // m.denominator)
                                                           for m in self._band_mins))
        object.__setattr__(self, "_active", tuple(w > 0 for w in ws))
        top = None if self.top_gate is None else _exact(self.top_gate, "门槛")
        floor = None if self.floor_gate is None else _exact(self.floor_gate, "下限")
        object.__setattr__(self, "_gates", (top, floor))
        object.__setattr__(self, "_gate_texts", tuple(None if g is None else _fmt_gate(g) for g in (top, floor)))

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


def compute_grade(*, self_score, votes: Votes | tuple | None, review_score, policy: Policy) -> GradeResult:
    """Apply SPEC §6 to one org. Missing inputs are None. Never raises for missing data; raises
    EngineInputError for malformed input (a float, a score outside 0..100, negative votes)."""
    if votes is not None and not isinstance(votes, Votes):
        votes = Votes(*votes)
    s = None if self_score is None else _exact(self_score, "自评得分")
    r = None if review_score is None else _exact(review_score, "评定得分")
    for value, name in ((s, "自评得分"), (r, "评定得分")):
        if value is not None and not (0 <= value.numerator <= 100 * value.denominator):
            raise EngineInputError(f"{name}必须在 0 到 100 之间：{_fmt_exact(value)}")
    p = satisfaction_rate(votes)
    v = None if p is None else HUNDRED * p
    ws, wv, wr = policy.exact_weights
    use_s, use_v, use_r = policy._active

    missing = []
    if use_s and s is None:
        missing.append(MISSING_SELF)
    if use_v and v is None:
        missing.append(MISSING_SURVEY)
    if use_r and r is None:
        missing.append(MISSING_REVIEW)

    facts = []
    if votes is not None and votes.total:
        facts.append(f"测评票数：满意 {votes.satisfied}、基本满意 {votes.basic}、不满意 {votes.unsatisfied}")
    if missing:
        reason = "；".join(missing)
        explanation = "未定级：" + reason + ("（" + "；".join(facts) + "）" if facts else "")
        return GradeResult(None, None, "", None, None, p, explanation, reason, ("missing",))

    # T = Σ w·x over the components with weight > 0, summed as one integer numerator over one denominator
    # (exactly the Fraction sum, without a Fraction per step).
    terms = []
    num, den = 0, 1
    for w, active, w_text, x in zip((ws, wv, wr), policy._active, policy._weight_texts, (s, v, r)):
        if active:
            tn, td = w.numerator * x.numerator, w.denominator * x.denominator
            num, den = num * td + tn * den, den * td
            terms.append(f"{w_text}×{_fmt_exact(x, 1, 4)}")
    total = Fraction(num, den)
    tenths = _round_int(total, 1)
    rounded_text = _int_text(tenths, 1)
    rounded = Decimal(rounded_text)
    formula = f"综合得分 = {' + '.join(terms)} = {_fmt_exact(total, 1, 4)}"
    if tenths * total.denominator != total.numerator * 10:  # rounding changed the value
        formula += f" → {rounded_text}"

    bands = policy.bands
    min_tenths = policy._band_min_tenths
    score_index = len(bands) - 1
    for i, minimum in enumerate(min_tenths):
        if minimum <= tenths:
            score_index = i
            break
    band = bands[score_index]
    rules = ["score"]
    steps = [formula]
    if min_tenths[score_index] <= tenths:
        steps.append(f"{rounded_text} ≥ {policy._band_min_texts[score_index]}，按得分为{band.label}")
    else:
        steps.append(f"{rounded_text} 低于所有等次的最低分，按得分为{band.label}")

    index = score_index
    bottom = len(bands) - 1
    if p is None:
        if policy.gates_apply:
            steps.append("无测评数据，满意率门槛不适用")
    elif not policy.gates_apply:
        steps.append(f"满意率 {_fmt_percent(p)}；该等次标准不适用满意率门槛")
    else:
        top, floor = policy._gates
        top_text, floor_text = policy._gate_texts
        gates = [g for g in (top, floor) if g is not None]
        pct = _fmt_percent(p, gates)
        below_floor = floor is not None and p.numerator * floor.denominator < floor.numerator * p.denominator
        below_top = top is not None and p.numerator * top.denominator < top.numerator * p.denominator
        if below_floor:
            index = bottom
            rules.append("floor_gate")
            steps.append(f"满意率 {pct} < {floor_text}，直接定为{bands[bottom].label}")
        elif below_top and score_index == 0 and len(bands) > 1:
            index = 1
            rules.append("top_gate")
            steps.append(f"满意率 {pct} < {top_text}，不得评为{bands[0].label} → {bands[1].label}")
        else:
            checks = []
            if score_index == 0 and top is not None:
                checks.append(f"≥ {top_text}，可评为{bands[0].label}")
            elif floor is not None:
                checks.append(f"≥ {floor_text}")
            steps.append(f"满意率 {pct} " + "，".join(checks) if checks else f"满意率 {pct}")
    label = bands[index].label
    steps.append(f"计算等次：{label}")
    explanation = "；".join(steps)
    if facts:
        explanation += "（" + "；".join(facts) + "）"
    return GradeResult(rounded, total, label, index, score_index, p, explanation, "", tuple(rules))
