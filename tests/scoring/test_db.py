"""scoring/db.py: the grade upsert statement stores exactly the rows its ORM reference (bulk_create with
update_conflicts) stores, case by case, on whichever database the tests run on (SQLite and PostgreSQL in CI)."""
import datetime
from decimal import Decimal

import pytest

from branches.models import Org
from scoring import db
from scoring.models import Grade
from scoring.services.grading import COMPUTED_FIELDS
from tests import factories as f
from tests.scoring.grading_helpers import big_township

pytestmark = pytest.mark.django_db

IMPLEMENTATIONS = [db.upsert_grades, db.upsert_grades_orm]
NOW = datetime.datetime(2026, 6, 1, 8, 30, 15, 250000, tzinfo=datetime.UTC)
COLUMNS = ("org_id", *COMPUTED_FIELDS, "computed_at", "override_label", "override_reason", "reopened")


def values(i, label="好"):
    return {"self_score": Decimal("90.5") + i % 5, "votes_satisfied": i, "votes_basic": 0, "votes_unsatisfied": None,
            "review_score": Decimal(80), "total": Decimal("88.4"), "computed_label": label,
            "explanation": f"综合得分 88.4；满意率 \"{i}\"\n第二行"}


EMPTY = dict.fromkeys(COMPUTED_FIELDS) | {"computed_label": "", "explanation": ""}


def stored(campaign):
    return list(Grade.objects.filter(campaign=campaign).order_by("org__path").values_list(*COLUMNS))


def case_rows(case, orgs, campaign):
    """(rows to upsert, grades already there) of a case."""
    if case == "all new":
        return [(o.pk, values(i)) for i, o in enumerate(orgs)], []
    if case == "update keeps the override and reopened":
        existing = [Grade(campaign=campaign, org=orgs[0], override_label="较好", override_reason="理由",
                          reopened=True, computed_label="一般", total=Decimal(70), computed_at=NOW)]
        return [(orgs[0].pk, values(0, "好")), (orgs[1].pk, values(1, "差"))], existing
    if case == "nothing computed (nulls)":
        return [(o.pk, EMPTY) for o in orgs[:3]], []
    if case == "none":
        return [], []
    raise AssertionError(case)


CASES = ["all new", "update keeps the override and reopened", "nothing computed (nulls)", "none"]


@pytest.fixture
def two_campaigns(tree):
    orgs = [tree["vil-1"], tree["vil-2"], tree["com-1"], tree["ag-1"]]
    return f.campaign(tree["county"], slug="fast"), f.campaign(tree["county"], slug="orm"), orgs


@pytest.mark.parametrize("case", CASES)
def test_fast_statement_stores_what_the_orm_stores(case, two_campaigns, django_assert_max_num_queries):
    fast_campaign, orm_campaign, orgs = two_campaigns
    for campaign, upsert in ((fast_campaign, db.upsert_grades), (orm_campaign, db.upsert_grades_orm)):
        rows, existing = case_rows(case, orgs, campaign)
        Grade.objects.bulk_create(existing)
        with django_assert_max_num_queries(1 if upsert is db.upsert_grades else 2):
            upsert(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=rows, now=NOW)
    assert stored(fast_campaign) == stored(orm_campaign)


@pytest.mark.parametrize("upsert", IMPLEMENTATIONS, ids=["fast", "orm"])
def test_each_implementation_writes_the_computed_columns_only(upsert, two_campaigns):
    campaign, _, orgs = two_campaigns
    rows, existing = case_rows("update keeps the override and reopened", orgs, campaign)
    Grade.objects.bulk_create(existing)
    upsert(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=rows, now=NOW)
    assert stored(campaign) == [
        (orgs[0].pk, *values(0, "好").values(), NOW, "较好", "理由", True),
        (orgs[1].pk, *values(1, "差").values(), NOW, "", "", False),
    ]
    later = NOW + datetime.timedelta(hours=1)
    upsert(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=[(orgs[0].pk, EMPTY)], now=later)
    assert stored(campaign)[0] == (orgs[0].pk, *EMPTY.values(), later, "较好", "理由", True)


@pytest.mark.parametrize("upsert", IMPLEMENTATIONS, ids=["fast", "orm"])
def test_many_rows(upsert, tree, campaign):
    town = big_township(tree, 1200)  # more rows than SQLite's 999 parameters
    orgs = list(Org.objects.filter(path__startswith=town.path, depth=town.depth + 1))
    upsert(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=[(o.pk, values(o.pk)) for o in orgs], now=NOW)
    upsert(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=[(o.pk, values(o.pk, "差")) for o in orgs[::2]],
           now=NOW)
    labels = dict(Grade.objects.filter(campaign=campaign).values_list("org_id", "computed_label"))
    assert len(labels) == 1200
    assert labels == {o.pk: "差" if i % 2 == 0 else "好" for i, o in enumerate(orgs)}
