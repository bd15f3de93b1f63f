"""Seeds: the four grade scales exactly as SPEC §3 and the 标准版 rubric of every sector; idempotent."""
from decimal import Decimal

import pytest

from branches.models import Sector
from campaigns.models import Criterion, GradeBand, GradeScale, Indicator, RubricVersion
from campaigns.seed import (
    DEFAULT_RUBRIC_NAME,
    ensure_seeded,
    seed_default_rubrics,
    seed_scales,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

EXPECTED = {
    "four": [("好", "90"), ("较好", "80"), ("一般", "60"), ("较差", "0")],
    "three": [("先进", "80"), ("一般", "60"), ("后进", "0")],
    "four-school": [("先进", "90"), ("较好", "75"), ("一般", "60"), ("后进", "0")],
    "stars": [("五星", "95"), ("四星", "90"), ("三星", "80"), ("二星", "70"), ("一星", "0")],
}

STANDARD_7 = ["党组织带头人", "工作思路", "工作制度", "活动阵地", "保障机制", "工作业绩", "群众反映"]


def test_scales_have_exactly_the_spec_bands():
    ensure_seeded()
    assert set(GradeScale.objects.values_list("code", flat=True)) == set(EXPECTED)
    for code, bands in EXPECTED.items():
        scale = GradeScale.objects.get(code=code)
        got = [(b.label, b.min_score) for b in scale.bands.order_by("-min_score")]
        assert got == [(label, Decimal(m)) for label, m in bands], code
    stars = GradeScale.objects.get(code="stars")
    assert stars.gates_apply is False and stars.valid_years == 2
    for code in ("four", "three", "four-school"):
        scale = GradeScale.objects.get(code=code)
        assert scale.gates_apply is True and scale.valid_years is None


def test_seeding_twice_changes_nothing():
    ensure_seeded()
    counts = (GradeScale.objects.count(), GradeBand.objects.count(), RubricVersion.objects.count(),
              Indicator.objects.count(), Criterion.objects.count())
    ensure_seeded()
    seed_scales(GradeScale, GradeBand)
    seed_default_rubrics(Sector, RubricVersion, Indicator, Criterion)
    assert counts == (GradeScale.objects.count(), GradeBand.objects.count(), RubricVersion.objects.count(),
                      Indicator.objects.count(), Criterion.objects.count())
    assert counts[0] == 4 and counts[1] == 16


def test_every_sector_has_a_standard_rubric_that_adds_up():
    ensure_seeded()
    assert Sector.objects.count() == 9
    for sector in Sector.objects.all():
        rubric = RubricVersion.objects.get(sector=sector, name=DEFAULT_RUBRIC_NAME)
        indicators = list(rubric.indicators.order_by("position"))
        assert [i.name for i in indicators] == STANDARD_7
        assert sum(i.max_score for i in indicators) == Decimal("100")
        for ind in indicators:
            criteria = list(ind.criteria.all())
            assert 2 <= len(criteria) <= 4
            assert sum(c.max_score for c in criteria) == ind.max_score
            assert all(c.guidance and c.text for c in criteria)


def test_a_sector_added_later_gets_its_standard_rubric():
    ensure_seeded()
    Sector.objects.create(name="两新组织", order=200)
    seed_default_rubrics(Sector, RubricVersion, Indicator, Criterion)
    assert RubricVersion.objects.filter(sector__name="两新组织", name=DEFAULT_RUBRIC_NAME).exists()


def test_factories_scale_reuses_seeded_scale():
    ensure_seeded()
    assert f.scale("three") == GradeScale.objects.get(code="three")
    assert GradeScale.objects.count() == 4
