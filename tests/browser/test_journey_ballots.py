"""Paper journey in a real browser: staff opens the survey overview, asks for the blank 测评表 of one unit with the
tally sheets, and gets one PDF: two copies of each org's 测评表 and its 计票表, in unit and org order."""
import io

import pytest
from pypdf import PdfReader

from branches.models import Sector
from branches.seed import seed_sectors
from campaigns.models import Phase
from surveys.ballots import TALLY_TITLE, TITLE
from tests import factories as f
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def survey_data(transactional_db):
    seed_sectors(Sector)
    tree = f.county()
    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    f.user("staff", f.STAFF, first_name="组织部小王")
    return campaign


def test_staff_downloads_the_paper_ballots_of_a_unit(live_server, page, survey_data):
    login(page, live_server.url, "staff", "pw-staff")
    page.goto(f"{live_server.url}/campaigns/{survey_data.slug}/survey/")
    form = page.locator("form#ballots")
    form.locator('input[name="scope"]').fill("town-a")
    form.locator('input[name="count"]').fill("2")
    shot(page, "survey-overview-ballots")
    with page.expect_download() as download:
        form.locator("button[type=submit]").click()
    assert download.value.suggested_filename == f"测评表-{survey_data.slug}-town-a.pdf"
    reader = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 3 * 3
    assert [TITLE in t for t in texts] == [True, True, False] * 3
    assert all(TALLY_TITLE in t for t in texts[2::3])
    assert [next(n for n in ("一村党总支", "二村党支部", "甲镇社区党支部") if n in t) for t in texts[::3]] == [
        "一村党总支", "二村党支部", "甲镇社区党支部"]
