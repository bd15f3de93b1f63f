"""SPEC §6, rule by rule: tables of inputs → total, band and a fragment of the explanation; then properties."""
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    MISSING_REVIEW,
    MISSING_SELF,
    MISSING_SURVEY,
    NOT_TAKING_PART,
    EngineInputError,
    Policy,
    Votes,
    compute_grade,
    effective_floor_gate,
    missing_inputs,
    not_graded,
    round_half_up,
)

FOUR = [("好", D(90)), ("较好", D(80)), ("一般", D(60)), ("较差", D(0))]
THREE = [("先进", D(80)), ("一般", D(60)), ("后进", D(0))]
SCHOOL = [("先进", D(90)), ("较好", D(75)), ("一般", D(60)), ("后进", D(0))]
STARS = [("五星", D(95)), ("四星", D(90)), ("三星", D(80)), ("二星", D(70)), ("一星", D(0))]
DEFAULT_W = (D("0.2"), D("0.3"), D("0.5"))


def policy(bands=FOUR, weights=DEFAULT_W, top="0.90", floor="0.50", gates=True):
    return Policy(weights=weights, bands=bands, top_gate=D(top), floor_gate=D(floor), gates_apply=gates)


# (id, S, votes (s, b, u), R, policy kwargs, expected total, expected label, fragment of the explanation)
CASES = [
    # rule 2: half up on the EXACT sum — float arithmetic gives 89.94999… → 89.9 → 较好
    ("half-up-exact-sum", "74", (9, 0, 1), "96.3", {}, "90.0", "好",
     "综合得分 = 0.2×74.0 + 0.3×90.0 + 0.5×96.3 = 89.95 → 90.0"),
    ("exactly-90-is-top", "90", (10, 0, 0), "90", {"weights": (D(0), D(0), D(1))}, "90.0", "好", "90.0 ≥ 90，按得分为好"),
    ("89.9-is-second", "89.9", (10, 0, 0), "89.9", {"weights": (D(0), D(0), D(1))}, "89.9", "较好", "按得分为较好"),
    ("89.94-rounds-down", "89.9", (10, 0, 0), "90", {"weights": (D("0.4"), D(0), D("0.6"))}, "90.0", "好",
     "= 89.96 → 90.0"),
    ("89.94-stays-below", "89.8", (10, 0, 0), "90", {"weights": (D("0.3"), D(0), D("0.7"))}, "89.9", "较好",
     "= 89.94 → 89.9"),
    ("exactly-80", "80", (10, 0, 0), "80", {"weights": (D(0), D(0), D(1))}, "80.0", "较好", "按得分为较好"),
    ("exactly-60", "60", None, "60", {"weights": (D("0.5"), D(0), D("0.5"))}, "60.0", "一般", "60.0 ≥ 60"),
    ("59.9-bottom", "59.9", None, "59.9", {"weights": (D("0.5"), D(0), D("0.5"))}, "59.9", "较差", "按得分为较差"),
    # rule 3: the top gate
    ("p-exactly-0.9-passes-top", "95", (9, 0, 1), "95", {}, "93.5", "好", "满意率 90% ≥ 90%，可评为好"),
    ("p-below-top-takes-second", "100", (10, 3, 2), "100", {}, "96.0", "较好", "满意率 86.7% < 90%，不得评为好 → 较好"),
    ("top-gate-irrelevant-below-top", "85", (10, 3, 2), "85", {}, "85.5", "较好", "满意率 86.7% ≥ 50%"),
    ("basic-counts-as-satisfied", "95", (0, 10, 0), "95", {}, "96.5", "好", "满意率 100%"),
    # rule 3: the floor gate
    ("p-exactly-half-passes-floor", "70", (1, 0, 1), "70", {}, "64.0", "一般", "满意率 50% ≥ 50%"),
    ("p-below-floor-bottom", "100", (4, 0, 5), "100", {}, "83.3", "较差", "满意率 44.4% < 50%，直接定为较差"),
    ("floor-beats-top", "100", (2, 0, 3), "100", {}, "82.0", "较差", "直接定为较差"),
    # 机关事业单位 floor 0.60
    ("agency-floor-0.6-fails", "95", (11, 0, 9), "95", {"floor": "0.60"}, "83.0", "较差", "满意率 55% < 60%，直接定为较差"),
    ("agency-floor-0.6-exact-passes", "95", (3, 0, 2), "95", {"floor": "0.60"}, "84.5", "较好", "满意率 60% ≥ 60%"),
    ("non-agency-0.55-passes", "95", (11, 0, 9), "95", {}, "83.0", "较好", "满意率 55% ≥ 50%"),
    # three-tier (村): gates apply; second band is 一般
    ("village-top-gate", "90", (8, 0, 2), "90", {"bands": THREE}, "87.0", "一般", "不得评为先进 → 一般"),
    ("village-floor", "90", (1, 0, 3), "90", {"bands": THREE}, "70.5", "后进", "直接定为后进"),
    ("village-exact-80", "80", (10, 0, 0), "76", {"bands": THREE}, "84.0", "先进", "按得分为先进"),
    ("school-75", "75", (10, 0, 0), "66", {"bands": SCHOOL, "weights": (D("0.5"), D(0), D("0.5"))}, "70.5", "一般",
     "按得分为一般"),
    # star scale: no gates at all
    ("stars-no-top-gate", "100", (1, 0, 1), "100", {"bands": STARS, "gates": False}, "85.0", "三星", "不适用满意率门槛"),
    ("stars-no-floor-gate", "100", (0, 0, 3), "100", {"bands": STARS, "gates": False}, "70.0", "二星",
     "不适用满意率门槛"),
    ("stars-top", "100", (10, 0, 0), "95", {"bands": STARS, "gates": False}, "97.5", "五星", "按得分为五星"),
    # weights 0/0/1: committee score only, other components not required
    ("weights-0-0-1", None, None, "91.0", {"weights": (D(0), D(0), D(1))}, "91.0", "好", "综合得分 = 1×91.0 = 91.0"),
    ("weights-0-0-1-gate-still-applies", None, (8, 0, 2), "91.0", {"weights": (D(0), D(0), D(1))}, "91.0", "较好",
     "不得评为好"),
    # a repeating fraction p = 2/3 → V = 66.666…; T computed exactly before rounding
    ("repeating-p", "80", (2, 0, 1), "80", {}, "76.0", "一般", "0.3×66.667…"),
    ("repeating-p-half-up", "83.4", (2, 0, 1), "80",
     {"weights": (D("0.25"), D("0.15"), D("0.6"))}, "78.9", "一般", "= 78.85 → 78.9"),
    ("repeating-total", "0", (1, 0, 2), "0", {"weights": (D(0), D(1), D(0))}, "33.3", "较差", "= 33.333… → 33.3"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rules_table(case):
    _, s, votes, r, kwargs, total, label, fragment = case
    result = compute_grade(self_score=None if s is None else D(s), votes=votes,
                           review_score=None if r is None else D(r), policy=policy(**kwargs))
    assert result.total == D(total)
    assert result.label == label
    assert fragment in result.explanation, result.explanation
    assert result.explanation.endswith(f"计算等次：{label}") or "测评票数" in result.explanation


def test_float_would_round_the_other_way():
    # the reason the engine is exact: binary floats lose the half
    assert round(0.2 * 74 + 0.3 * 90 + 0.5 * 96.3, 1) == 89.9
    result = compute_grade(self_score=D("74"), votes=(9, 0, 1), review_score=D("96.3"), policy=policy())
    assert result.exact_total == F(8995, 100)
    assert result.total == D("90.0") and result.label == "好" and result.p == F(9, 10)


@pytest.mark.parametrize("s, votes, r, weights, reason", [
    (None, (9, 1, 0), "90", DEFAULT_W, MISSING_SELF),
    ("90", None, "90", DEFAULT_W, MISSING_SURVEY),
    ("90", (0, 0, 0), "90", DEFAULT_W, MISSING_SURVEY),
    ("90", (9, 1, 0), None, DEFAULT_W, MISSING_REVIEW),
    (None, None, None, DEFAULT_W, f"{MISSING_SELF}；{MISSING_SURVEY}；{MISSING_REVIEW}"),
    ("90", (1, 0, 0), None, (D(0), D(0), D(1)), MISSING_REVIEW),
])
def test_missing_component_with_weight_gives_no_grade(s, votes, r, weights, reason):
    result = compute_grade(self_score=None if s is None else D(s), votes=votes,
                           review_score=None if r is None else D(r), policy=policy(weights=weights))
    assert not result.graded and result.label == "" and result.total is None
    assert result.reason == reason
    assert result.explanation.startswith("未定级：" + reason)


@pytest.mark.parametrize("s, votes, r, weights, reason", [
    (None, (9, 1, 0), "90", DEFAULT_W, MISSING_SELF),
    ("90", (0, 0, 0), "90", DEFAULT_W, MISSING_SURVEY),
    (None, None, None, DEFAULT_W, f"{MISSING_SELF}；{MISSING_SURVEY}；{MISSING_REVIEW}"),
    ("90", (1, 0, 0), None, (D(0), D(0), D(1)), MISSING_REVIEW),
    (None, None, "90", (D(0), D(0), D(1)), ""),
])
def test_missing_inputs_is_the_check_compute_grade_makes(s, votes, r, weights, reason):
    """What the reports show for an org without a grade is exactly what a recompute would store."""
    s, r = None if s is None else D(s), None if r is None else D(r)
    missing = missing_inputs(weights, self_score=s, votes=votes, review_score=r)
    assert "；".join(missing) == reason
    assert missing == missing_inputs(policy(weights=weights), self_score=s, votes=votes, review_score=r)
    result = compute_grade(self_score=s, votes=votes, review_score=r, policy=policy(weights=weights))
    if missing:
        assert not_graded(missing, votes) == result
    else:
        assert result.graded


# The precedence of the rules, decided in the engine only (first match wins): sector not taking part → missing
# input → floor gate → top gate → the band of the score.
# (id, S, votes, R, policy (None: the sector does not take part), expected label, fragment of the explanation)
PRECEDENCE = [
    ("not-taking-part-beats-missing", None, None, None, None, "", "未定级：" + NOT_TAKING_PART),
    ("not-taking-part-with-every-input", "95", (10, 0, 0), "95", None, "", "未定级：" + NOT_TAKING_PART),
    ("missing-beats-floor-gate", None, (0, 0, 9), "100", policy(), "", "未定级：" + MISSING_SELF),
    ("missing-beats-top-gate", "100", (8, 0, 2), None, policy(), "", "未定级：" + MISSING_REVIEW),
    ("floor-beats-top", "100", (2, 0, 3), "100", policy(), "较差", "满意率 40% < 50%，直接定为较差"),
    ("floor-below-the-top-band", "85", (4, 0, 5), "85", policy(), "较差", "直接定为较差"),
    ("top-gate-beats-score", "100", (8, 0, 2), "100", policy(), "较好", "满意率 80% < 90%，不得评为好 → 较好"),
    ("score-when-gates-pass", "100", (9, 0, 1), "100", policy(), "好", "满意率 90% ≥ 90%，可评为好"),
    ("no-gates-on-stars", "100", (0, 0, 3), "100", policy(bands=STARS, gates=False), "二星", "不适用满意率门槛"),
]


@pytest.mark.parametrize("case", PRECEDENCE, ids=[c[0] for c in PRECEDENCE])
def test_precedence_table(case):
    _, s, votes, r, pol, label, fragment = case
    result = compute_grade(self_score=None if s is None else D(s), votes=votes,
                           review_score=None if r is None else D(r), policy=pol)
    assert result.label == label and result.graded == bool(label)
    assert fragment in result.explanation, result.explanation


@pytest.mark.parametrize("own, sector_default, campaign, expected", [
    (D("0.55"), D("0.60"), D("0.50"), D("0.55")),  # the campaign sector's own value first
    (None, D("0.60"), D("0.50"), D("0.60")),       # else the sector's default (机关事业单位)
    (None, None, D("0.50"), D("0.50")),            # else the campaign's
    (D(0), D("0.60"), D("0.50"), D(0)),            # 0 is a value, not "unset"
])
def test_effective_floor_gate_precedence(own, sector_default, campaign, expected):
    assert effective_floor_gate(own=own, sector_default=sector_default, campaign=campaign) == expected


def test_zero_weight_component_not_required():
    result = compute_grade(self_score=None, votes=None, review_score=D("85"),
                           policy=policy(weights=(D(0), D(0), D(1))))
    assert result.graded and result.label == "较好"
    assert "无测评数据，满意率门槛不适用" in result.explanation


def test_votes_listed_in_explanation():
    result = compute_grade(self_score=D(90), votes=(10, 3, 2), review_score=D(90), policy=policy())
    assert "满意 10、基本满意 3、不满意 2" in result.explanation


@pytest.mark.parametrize("weights", [(D("0.5"), D("0.5"), D("0.5")), (D("-0.1"), D("0.6"), D("0.5")),
                                     (0.2, 0.3, 0.5)])
def test_bad_weights_refused(weights):
    with pytest.raises(EngineInputError):
        policy(weights=weights)


def test_float_scores_refused():
    with pytest.raises(EngineInputError):
        compute_grade(self_score=74.0, votes=None, review_score=D(90), policy=policy(weights=(D(0), D(0), D(1))))


def test_bands_in_any_order():
    p = policy(bands=list(reversed(FOUR)))
    assert [b.label for b in p.bands] == ["好", "较好", "一般", "较差"]


@pytest.mark.parametrize("value, expected", [(F(8995, 100), "90.0"), (F(8994, 100), "89.9"), (F(200, 3), "66.7"),
                                             (F(2005, 100), "20.1"), (F(0), "0.0"), (F(100), "100.0")])
def test_round_half_up(value, expected):
    assert round_half_up(value) == D(expected)


# ------------------------------------------------------------------ properties

scores = st.integers(min_value=0, max_value=1000).map(lambda n: D(n) / 10)
vote_counts = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)).filter(lambda v: sum(v) > 0)
weight_triples = st.tuples(st.integers(0, 20), st.integers(0, 20)).filter(lambda t: t[0] + t[1] <= 20).map(
    lambda t: (D(t[0]) / 20, D(t[1]) / 20, D(20 - t[0] - t[1]) / 20))
scales = st.sampled_from([(FOUR, True), (THREE, True), (SCHOOL, True), (STARS, False)])
floors = st.sampled_from(["0.50", "0.60"])


@settings(max_examples=300, deadline=None)
@given(s=scores, votes=vote_counts, r=scores, weights=weight_triples, scale=scales, floor=floors,
       which=st.sampled_from(["s", "r", "satisfied", "basic", "fewer_unsatisfied"]),
       bump=st.integers(1, 200))
def test_raising_any_input_never_lowers_the_grade(s, votes, r, weights, scale, floor, which, bump):
    bands, gates = scale
    pol = policy(bands=bands, weights=weights, floor=floor, gates=gates)
    before = compute_grade(self_score=s, votes=votes, review_score=r, policy=pol)
    sat, basic, uns = votes
    if which == "s":
        s = min(D(100), s + D(bump) / 10)
    elif which == "r":
        r = min(D(100), r + D(bump) / 10)
    elif which == "satisfied":
        sat += bump
    elif which == "basic":
        basic += bump
    else:
        if uns == 0:
            return
        uns -= min(uns, bump)
        if sat + basic + uns == 0:
            return
    after = compute_grade(self_score=s, votes=(sat, basic, uns), review_score=r, policy=pol)
    assert after.band_index <= before.band_index  # index 0 is the best band
    assert after.total >= before.total


@settings(max_examples=300, deadline=None)
@given(s=scores, votes=vote_counts, r=scores, weights=weight_triples, scale=scales, floor=floors)
def test_result_equals_a_plain_fraction_computation(s, votes, r, weights, scale, floor):
    bands, gates = scale
    result = compute_grade(self_score=s, votes=votes, review_score=r,
                           policy=policy(bands=bands, weights=weights, floor=floor, gates=gates))
    # the rules re-derived independently with Fractions and integer arithmetic only
    p = F(votes[0] + votes[1], sum(votes))
    t = F(weights[0]) * F(s) + F(weights[1]) * 100 * p + F(weights[2]) * F(r)
    tenths = (t * 10 + F(1, 2)).__floor__()
    total = F(tenths, 10)
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    idx = next((i for i, b in enumerate(ordered) if F(b[1]) <= total), len(ordered) - 1)
    if gates:
        if p < F(D(floor)):
            idx = len(ordered) - 1
        elif p < F(9, 10) and idx == 0:
            idx = 1
    assert result.exact_total == t
    assert F(result.total) == total
    assert result.label == ordered[idx][0]
    assert result.p == p


def test_votes_must_be_non_negative_integers():
    with pytest.raises(EngineInputError):
        Votes(-1, 0, 0)
    with pytest.raises(EngineInputError):
        Votes(1.0, 0, 0)


# --- the grade vote (issue 17, Decisions): a decision table -------------------------------------------------------

from scoring.engine import MISSING_GRADE_VOTES, vote_grade  # noqa: E402


def vote_policy(mode, share=F(1, 2), bands=THREE, **kwargs):
    return Policy(weights=DEFAULT_W, bands=bands, top_gate=D("0.90"), floor_gate=D("0.50"), vote_mode=mode,
                  vote_share=share, **kwargs)


# (id, share, votes per band top → bottom, expected vote grade, fragment of the explanation)
VOTE_CASES = [
    ("majority-top", F(1, 2), (6, 3, 1), "先进", "先进 60% ≥ 50%，投票等次：先进"),
    ("exactly-half-passes", F(1, 2), (5, 5, 0), "先进", "先进 50% ≥ 50%"),
    ("cumulative-second", F(1, 2), (4, 4, 2), "一般", "先进 40% < 50%；先进至一般 80% ≥ 50%，投票等次：一般"),
    ("down-to-bottom", F(1, 2), (2, 2, 6), "后进", "先进至一般 40% < 50%；先进至后进 100% ≥ 50%"),
    ("no-top-votes", F(1, 2), (0, 6, 4), "一般", "先进 0% < 50%"),
    ("share-two-thirds-exact", D("0.6"), (3, 2, 0), "先进", "先进 60% ≥ 60%"),
    ("share-just-below", D("0.6"), (59, 41, 0), "一般", "先进 59% < 60%"),
    ("share-one-needs-all", D("1"), (9, 1, 0), "一般", "先进至一般 100% ≥ 100%"),
    ("one-vote", F(1, 2), (0, 0, 1), "后进", "有效票 1"),
]


@pytest.mark.parametrize("case_id, share, counts, expected, fragment", VOTE_CASES, ids=[c[0] for c in VOTE_CASES])
def test_vote_grade_table(case_id, share, counts, expected, fragment):
    policy = vote_policy("instead", share)
    tally = {label: n for (label, _), n in zip(THREE, counts, strict=True)}
    index, text = vote_grade(policy, tally)
    assert policy.bands[index].label == expected
    assert fragment in text


def test_vote_grade_ignores_labels_outside_the_scale_and_needs_a_valid_vote():
    policy = vote_policy("instead")
    assert vote_grade(policy, {"好": 9, "后进": 1})[0] == 2  # 好 is not a band of this scale: not a valid vote
    assert vote_grade(policy, {"好": 9}) == (None, MISSING_GRADE_VOTES)
    with pytest.raises(EngineInputError):
        vote_grade(policy, {"先进": -1})
    with pytest.raises(EngineInputError):
        vote_policy("instead", share=0)
    with pytest.raises(EngineInputError):
        vote_policy("sometimes")


# (id, mode, S, satisfaction votes, R, grade votes, expected label, expected total, rule, fragment)
MODE_CASES = [
    ("instead-vote-decides", "instead", "50", None, "50", {"先进": 6, "一般": 3, "后进": 1}, "先进", None,
     "grade_vote", "本领域以等次投票定级"),
    ("instead-no-gates", "instead", "95", (1, 0, 9), "95", {"先进": 1, "一般": 3, "后进": 6}, "后进", None,
     "grade_vote", "自评得分 95.0；评定得分 95.0"),
    ("instead-no-satisfaction-needed", "instead", "80", None, "80", {"先进": 4, "一般": 4, "后进": 2}, "一般", None,
     "grade_vote", "投票等次：一般"),
    ("beside-vote-lower", "beside", "95", (10, 0, 0), "95", {"先进": 4, "一般": 4, "后进": 2}, "一般", "96.5",
     "grade_vote", "按得分与满意率为先进，投票等次为一般，取较低者"),
    ("beside-score-lower", "beside", "65", (10, 0, 0), "65", {"先进": 9, "一般": 1}, "一般", "75.5",
     "grade_vote", "投票等次为先进"),
    ("beside-gate-still-applies", "beside", "95", (4, 0, 6), "95", {"先进": 10}, "后进", "78.5",
     "floor_gate", "直接定为后进"),
]


@pytest.mark.parametrize("case_id, mode, s, votes, r, grade_votes, label, total, rule, fragment", MODE_CASES,
                         ids=[c[0] for c in MODE_CASES])
def test_grade_vote_modes_table(case_id, mode, s, votes, r, grade_votes, label, total, rule, fragment):
    result = compute_grade(self_score=D(s), votes=votes, review_score=D(r), policy=vote_policy(mode),
                           grade_votes=grade_votes)
    assert result.label == label
    assert result.total == (None if total is None else D(total))
    assert rule in result.rules
    assert fragment in result.explanation, result.explanation


def test_grade_vote_missing_and_minimum():
    no_vote = compute_grade(self_score=D(90), votes=(9, 0, 0), review_score=D(90), policy=vote_policy("beside"))
    assert no_vote.reason == MISSING_GRADE_VOTES
    instead = vote_policy("instead", min_responses=5)
    short = compute_grade(self_score=D(90), votes=None, review_score=D(90), policy=instead,
                          grade_votes={"先进": 3})
    assert short.reason == "测评人数不足（3/5）"
    missing_review = compute_grade(self_score=D(90), votes=None, review_score=None, policy=instead,
                                   grade_votes={"先进": 9})
    assert missing_review.reason == MISSING_REVIEW
