"""The Content-Security-Policy in a real browser: pages as staff, as a secretary and as a survey respondent load with
no policy violation and no console error, and what moved out of the markup still works (bar widths, the confirm
before submitting the self-evaluation, the respondent's stylesheet). Screenshots of the survey form at phone and
desktop width: test-artifacts/screenshots/csp-survey-*.png."""
import pytest

from branches.models import Sector
from branches.seed import seed_sectors
from campaigns.models import Phase
from surveys import services as surveys
from tests import factories as f
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser

# Records every violation the page reports, before any of its own scripts run.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber);
});
"""


@pytest.fixture
def csp_data(transactional_db):
    seed_sectors(Sector)
    tree = f.county()
    campaign = f.campaign(tree["county"], phase=Phase.SELF)
    survey_campaign = f.campaign(tree["county"], slug="s2026", phase=Phase.SURVEY)
    staff = f.user("staff", f.STAFF, first_name="组织部小王")
    f.user("sec_vil2", f.SECRETARY, tree["vil-2"], first_name="二村书记")
    codes = surveys.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=2, actor=staff)
    return {"campaign": campaign, "survey_campaign": survey_campaign, "codes": codes}


def watched(page):
    """Start collecting the page's console errors and warnings and its policy violations."""
    page.context.add_init_script(WATCH_VIOLATIONS)
    messages = []

    def console(message):
        # the browser's own favicon.ico request (the site has none) is no page's doing
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            messages.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("response", lambda r: messages.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return messages


def visit(page, messages, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__violations")
    assert violations == [], f"{url}: {violations}"
    assert messages == [], f"{url}: {messages}"


def test_staff_pages_load_without_violations(live_server, page, csp_data):
    base, slug = live_server.url, csp_data["campaign"].slug
    messages = watched(page)
    login(page, base, "staff", "pw-staff")
    for path in ["/", "/campaigns/", f"/campaigns/{slug}/", "/orgs/", f"/campaigns/{slug}/exports/",
                 f"/campaigns/{csp_data['survey_campaign'].slug}/survey/vil-2/tokens/"]:
        visit(page, messages, base + path)
    # the code count box of the tokens page (the last visited), once a style attribute, is a class now
    assert page.evaluate("getComputedStyle(document.querySelector('input.narrow')).maxWidth") == "160px"

    visit(page, messages, f"{base}/campaigns/{slug}/dashboard/")
    widths = page.evaluate("[...document.querySelectorAll('.progress > span[data-width]')]"
                           ".map(s => [s.dataset.width, s.style.width])")
    assert widths and all(style == f"{pct}%" for pct, style in widths), widths


def test_org_tree_indent_comes_from_the_script(live_server, page, csp_data):
    messages = watched(page)
    login(page, live_server.url, "staff", "pw-staff")
    visit(page, messages, f"{live_server.url}/orgs/")
    indent = page.evaluate("""(() => { const a = [...document.querySelectorAll('td.orgname')]
        .find(td => td.textContent.includes('一村第一党支部'));
        return a.style.getPropertyValue('--indent'); })()""")
    assert indent == "3"  # depth 4 below the county at depth 1


def test_self_evaluation_asks_before_submitting(live_server, phone_page, csp_data):
    page, slug = phone_page, csp_data["campaign"].slug
    messages = watched(page)
    login(page, live_server.url, "sec_vil2", "pw-sec_vil2")
    url = f"{live_server.url}/campaigns/{slug}/self/vil-2/"
    visit(page, messages, url)
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("#self-submit")
    page.wait_for_timeout(300)
    assert asked == ["提交后不能再修改，确认提交自评？"]
    assert page.url == url  # dismissed: nothing was sent
    assert messages == [] and page.evaluate("window.__violations") == []


def test_respondent_pages_load_without_violations_and_keep_their_look(live_server, browser, csp_data):
    link = f"{live_server.url}/s/{csp_data['codes'][0]}/"
    for name, options in [("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                                     "has_touch": True, "device_scale_factor": 2}),
                          ("desktop", {"viewport": {"width": 1280, "height": 900}})]:
        context = browser.new_context(locale="zh-CN", **options)
        page = context.new_page()
        try:
            messages = watched(page)
            visit(page, messages, f"{live_server.url}/s/")
            visit(page, messages, link)
            assert page.locator("h1").inner_text() == "二村党支部"
            # static/css/survey.css (once a <style> block) is applied: three-column choices, 48px+ touch targets
            assert page.evaluate("getComputedStyle(document.querySelector('.choices')).display") == "grid"
            assert page.locator("fieldset.required label").first.bounding_box()["height"] >= 44
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "17px"
            assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
            shot(page, f"csp-survey-{name}")
            page.locator("fieldset.required label", has_text="满意").first.click()
            with page.expect_navigation():
                page.click("text=提交测评")
            assert "提交成功" in page.content()
            assert messages == [] and page.evaluate("window.__violations") == []
        finally:
            context.close()
        link = f"{live_server.url}/s/{csp_data['codes'][1]}/"
