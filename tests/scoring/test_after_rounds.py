"""Second rounds (再次评定, 晋位升级): moves by band position, the transition matrix over two rounds, the
previous-grade selector and the page."""
import pytest
from django.urls import reverse

from rectification import rounds
from rectification.selectors import previous_grades, transitions
from tests import factories as f
from tests.conftest import login
from tests.scoring.after_helpers import grade_all

FOUR = ["好", "较好", "一般", "较差"]
THREE = ["先进", "一般", "后进"]
STARS = ["五星", "四星", "三星", "二星", "一星"]


@pytest.mark.parametrize("before,before_scale,after,after_scale,move", [
    ("一般", FOUR, "较好", FOUR, rounds.UP),
    ("较好", FOUR, "较好", FOUR, rounds.KEEP),
    ("好", FOUR, "较差", FOUR, rounds.DOWN),
    ("后进", THREE, "先进", THREE, rounds.UP),
    ("较差", FOUR, "后进", THREE, rounds.KEEP),      # bottom meets bottom across scales
    ("好", FOUR, "先进", THREE, rounds.KEEP),        # top meets top
    ("一般", FOUR, "一般", THREE, rounds.KEEP),      # same label: 保持
    ("较好", FOUR, "一般", THREE, rounds.DOWN),      # 1/3 → 1/2
    ("一般", THREE, "较好", FOUR, rounds.UP),        # 1/2 → 1/3
    ("三星", STARS, "四星", STARS, rounds.UP),
    ("", FOUR, "好", FOUR, rounds.NEW),
    ("好", FOUR, "", FOUR, rounds.UNGRADED),
    ("优秀", FOUR, "好", FOUR, rounds.INCOMPARABLE),
])
def test_moves(before, before_scale, after, after_scale, move):
    assert rounds.move(before, before_scale, after, after_scale) == move


@pytest.fixture
def two_rounds(tree):
    first = f.campaign(tree["county"], slug="c2025", year=2025)
    grade_all(first, {"vil-1": "一般", "vil-2": "先进", "com-1": "较差", "agency": "好", "ag-1": "较好",
                      "ag-2": "一般"})  # vil-3 was not graded in 2025
    second = f.campaign(tree["county"], slug="c2026", year=2026, previous=first)
    grade_all(second, {"vil-1": "先进", "vil-2": "一般", "com-1": "较好", "vil-3": "后进", "agency": "好",
                       "ag-1": "一般"})  # ag-2 not graded yet
    return first, second


def test_previous_grades(two_rounds, tree):
    first, second = two_rounds
    assert previous_grades(first) == {}
    prev = previous_grades(second)
    assert prev[tree["vil-2"].pk] == "先进" and tree["vil-3"].pk not in prev and len(prev) == 6


def test_transition_matrix_over_two_rounds(two_rounds, tree):
    t = transitions(two_rounds[1])
    moves = {m.org.code: m.move for m in t.moves}
    assert moves == {"vil-1": rounds.UP, "vil-2": rounds.DOWN, "com-1": rounds.UP, "vil-3": rounds.NEW,
                     "agency": rounds.KEEP, "ag-1": rounds.DOWN, "ag-2": rounds.UNGRADED}
    assert t.cell("一般", "先进") == 1 and t.cell("先进", "一般") == 1 and t.cell("较差", "较好") == 1
    assert t.cell("好", "好") == 1 and t.cell("较好", "一般") == 1
    assert t.cell(rounds.NEW, "后进") == 1 and t.cell("一般", rounds.UNGRADED) == 1
    assert sum(total for _, _, total in t.rows) == 7 == sum(t.column_totals)
    assert t.move_counts == {rounds.UP: 2, rounds.DOWN: 2, rounds.NEW: 1, rounds.KEEP: 1, rounds.UNGRADED: 1}
    assert t.row_labels[-1] == rounds.NEW and t.col_labels[-1] == rounds.UNGRADED
    assert t.col_labels.index("先进") < t.col_labels.index("一般") < t.col_labels.index("后进")


def test_transition_page_roles(client, two_rounds, staff, reviewer_of_township, secretary_of_branch):
    url = reverse("campaign_transitions", args=["c2026"])
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    page = login(client, staff).get(url).content.decode()
    assert "晋位升级" in page and "教育局党支部" in page and "新参评" in page
    page = login(client, reviewer_of_township).get(url).content.decode()
    assert "二村党支部" in page and "教育局党支部" not in page


def test_first_round_page_says_so(client, two_rounds, staff):
    page = login(client, staff).get(reverse("campaign_transitions", args=["c2025"])).content.decode()
    assert "不是再次评定" in page


def test_transitions_constant_queries(tree, django_assert_max_num_queries):
    from branches.models import Org
    from tests.scoring.grading_helpers import big_township

    for n, slug in ((20, "s"), (200, "l")):
        town = big_township(tree, n, code=f"town-{slug}")
        children = Org.objects.filter(path__startswith=town.path, depth=town.depth + 1)
        first = f.campaign(town, slug=f"{slug}1", sectors=("村",))
        grade_all(first, {o.code: "一般" for o in children})
        second = f.campaign(town, slug=f"{slug}2", sectors=("村",), previous=first)
        grade_all(second, {o.code: "先进" for o in children})
        with django_assert_max_num_queries(8):
            t = transitions(second)
        assert t.move_counts == {rounds.UP: n}
