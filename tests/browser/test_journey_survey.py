"""Survey journey in a real browser: staff issues codes and downloads the CSV of links on a desktop; a respondent
opens a link from the CSV on a phone (390 px, JavaScript off as on the most restrictive webviews), answers and sees
the thank-you page; the same link then says it was used; the staff overview counts the answer."""
import csv
import io

import pytest

from branches.models import Sector
from branches.seed import seed_sectors
from campaigns.models import Phase
from surveys.models import StagedResponse
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


def test_respondent_answers_on_a_phone_from_a_csv_link(live_server, page, browser, survey_data, settings):
    settings.SITE_URL = live_server.url
    login(page, live_server.url, "staff", "pw-staff")
    page.goto(f"{live_server.url}/campaigns/{survey_data.slug}/survey/vil-2/tokens/")
    page.fill('input[name="count"]', "3")
    page.check('input[name="output"][value="csv"]')
    with page.expect_download() as download:
        page.click("text=生成并下载")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 3
    link = rows[0]["链接"]
    assert link.startswith(live_server.url + "/s/")

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, java_script_enabled=False, locale="zh-CN")
    phone = context.new_page()
    try:
        phone.goto(link)
        assert phone.locator("h1").inner_text() == "二村党支部"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        box = phone.locator("fieldset.required label").first.bounding_box()
        assert box["height"] >= 44  # a touch target
        shot(phone, "survey-form-phone")
        phone.locator("fieldset.required label", has_text="基本满意").click()
        phone.locator("label", has_text="群众代表").click()
        phone.fill("textarea", "希望多组织志愿服务")
        with phone.expect_navigation():
            phone.click("text=提交测评")
        assert "提交成功" in phone.content()
        shot(phone, "survey-thanks-phone")
        phone.goto(link)
        assert "测评码无效或已使用" in phone.content()  # a used code is deleted: simply unknown
        assert context.cookies() == []  # the respondent's pages set no cookie
    finally:
        context.close()

    row = StagedResponse.objects.get()  # waiting for the mixer (surveys/mixer.py)
    assert (row.overall, row.category, row.suggestions) == (2, "masses", "希望多组织志愿服务")
    page.goto(f"{live_server.url}/campaigns/{survey_data.slug}/survey/")
    assert "二村党支部" in page.content()
    shot(page, "survey-overview-desktop")
