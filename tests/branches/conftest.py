import pytest

from branches.models import Sector
from branches.seed import seed_sectors


@pytest.fixture
def sectors(db):
    """The SPEC §2 sectors (a --nomigrations run has no seeded rows)."""
    seed_sectors(Sector)
    return {s.name: s for s in Sector.objects.all()}
