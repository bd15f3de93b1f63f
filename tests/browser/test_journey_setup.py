"""Setup journey in a real browser: staff logs in, imports the org tree from a workbook (preview → confirm), creates
a campaign with the campaign form, sees its coverage and moves it to the next phase (choose, then confirm); the same
pages on a phone."""
import re

import pytest

from branches.models import Org, Sector
from branches.seed import seed_sectors
from campaigns.models import Campaign, Phase
from tests import factories as f
from tests.branches.workbooks import org_row, small_county_rows, xlsx
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def setup_data(transactional_db):
    """What the journey needs besides the org tree: sectors, grade scales, rubrics for three sectors, a staff."""
    seed_sectors(Sector)
    for code in f.SCALES:
        f.scale(code)
    for sector_name in ("村", "社区", "机关事业单位"):
        f.rubric(sector_name, name="2026版")
    return f.user("staff", f.STAFF, first_name="组织部小王")


def upload_workbook(page, rows, name="orgs.xlsx"):
    page.set_input_files('input[type="file"]', files=[{
        "name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": xlsx(rows).getvalue(),
    }])
    with page.expect_navigation():
        page.click("text=上传并预览")


def test_staff_imports_the_tree_and_creates_a_campaign(live_server, page, phone_page, setup_data):
    base = live_server.url
    login(page, base, "staff", "pw-staff")

    # 1. Import the org tree: a file with a mistake first — every problem listed, nothing saved.
    page.click("nav >> text=党组织")
    page.click("text=导入组织树")
    bad = small_county_rows() + [org_row("V9", "错误党支部", "党支部", "NOPE", "")]
    upload_workbook(page, bad, "bad.xlsx")
    errors = page.locator("#import-errors")
    assert "有 2 个问题，未导入任何数据" in errors.inner_text()
    assert "上级组织编码“NOPE”在文件和系统中都不存在" in errors.inner_text()
    assert not Org.objects.exists()
    shot(page, "setup-01-import-errors-desktop")

    # 2. The corrected file: preview, then confirm.
    upload_workbook(page, small_county_rows())
    preview = page.locator("#import-preview")
    assert "新增 9 个、更新 0 个、未变 0 个" in preview.inner_text()
    assert not Org.objects.exists()
    shot(page, "setup-02-import-preview-desktop")
    with page.expect_navigation():
        page.click("text=确认导入")
    assert page.url.endswith("/orgs/")
    assert "导入完成：新增 9 个、更新 0 个、未变 0 个。" in page.inner_text(".messages")
    assert Org.objects.count() == 9
    tree_text = page.inner_text("table.orgtree")
    assert tree_text.index("测试县委") < tree_text.index("东镇党委") < tree_text.index("东一村第一党支部")
    shot(page, "setup-03-org-tree-desktop")
    page.click("text=东一村党总支")
    assert "东一村第一党支部" in page.inner_text("main") and "东镇党委" in page.inner_text(".chain")

    # 3. Create a campaign over the imported county with the campaign form.
    page.goto(f"{base}/campaigns/new/")
    page.fill('input[name="name"]', "测试县2026年度基层党组织分类定级")
    page.fill('input[name="slug"]', "test-2026")
    page.select_option('select[name="root"]', "C")
    for name in ("村", "社区", "机关事业单位"):
        assert page.is_checked(f'input[name="on_{Sector.objects.get(name=name).pk}"]')
    shot(page, "setup-04-campaign-form-desktop")
    with page.expect_navigation():
        page.click("form button.primary")
    assert re.search(r"/campaigns/test-2026/$", page.url), page.inner_text("main")[:500]

    # 4. Coverage on the campaign page: 东一村党总支, 东二村, 西镇社区, 县直机关工委, 财政局 — five 定级对象;
    #    the branch under the village 总支 and the township committees are not graded on their own.
    coverage = page.locator("#coverage")
    assert coverage.locator(".stat").first.inner_text().split()[0] == "5"
    assert "东一村第一党支部" in coverage.text_content() and "随“东一村党总支”一并定级" in coverage.inner_text()
    shot(page, "setup-05-campaign-coverage-desktop")

    # 4b. Move the campaign to 调查摸底 in two steps: choose the phase, then confirm it on its own page.
    page.select_option('select[name="phase"]', str(Phase.INVESTIGATE.value))
    page.fill('input[name="reason"]', "动员部署完成")
    with page.expect_navigation():
        page.click("text=切换阶段…")
    assert "确认切换阶段" in page.inner_text("h1") and Campaign.objects.get().phase == Phase.MOBILISE
    with page.expect_navigation():
        page.click('button:has-text("确认切换")')
    assert re.search(r"/campaigns/test-2026/$", page.url)
    assert "阶段已从“动员部署”切换到“调查摸底”" in page.inner_text(".messages")
    assert Campaign.objects.get().phase == Phase.INVESTIGATE

    # 5. The same pages on a phone: re-import of the same file changes nothing; tree and coverage readable.
    login(phone_page, base, "staff", "pw-staff")
    phone_page.goto(f"{base}/orgs/import/")
    upload_workbook(phone_page, small_county_rows())
    assert "新增 0 个、更新 0 个、未变 9 个" in phone_page.inner_text("#import-preview")
    shot(phone_page, "setup-06-import-preview-phone")
    phone_page.goto(f"{base}/orgs/")
    assert phone_page.locator("table.orgtree tbody tr").count() == 9
    shot(phone_page, "setup-07-org-tree-phone")
    phone_page.goto(f"{base}/campaigns/test-2026/")
    assert phone_page.locator("#coverage .stat").first.inner_text().split()[0] == "5"
    shot(phone_page, "setup-08-campaign-coverage-phone")
    # Nothing overflows the phone viewport sideways except inside scrollable tables.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
