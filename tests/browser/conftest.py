"""Browser harness: one headless Debian chromium for all browser tests (Playwright), a desktop `page` and a
`phone_page` per test, pytest-django's `live_server`, and helpers `login` (through the real login form) and `shot`
(screenshots to test-artifacts/screenshots/<name>.png, gitignored).

Mark browser tests with @pytest.mark.browser; they use `live_server`, so they run on a transactional database and
must create what they need (sectors included: with migrations the seeded rows do not survive the flush between
transactional tests, and with --nomigrations there are none)."""
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def browser():
    """One chromium for every test under tests/browser (the whole session's browser tests).

    Package-scoped rather than session-scoped on purpose: while Playwright's sync API is alive it leaves an asyncio
    loop marked running in the main thread, so the ORM needs DJANGO_ALLOW_ASYNC_UNSAFE — and that variable must not
    outlive the browser tests (later tests run `manage.py check --deploy`, which rejects it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # before Playwright starts its loop
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_page(browser, options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A desktop page, 1280×900."""
    context, pg = _new_page(browser, DESKTOP)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone page, 390×844, mobile with touch."""
    context, pg = _new_page(browser, PHONE)
    yield pg
    context.close()


def login(page, base_url, username, password):
    """Log in through the real login form; fails the test if the site does not let the user in."""
    page.goto(f"{base_url}/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form button[type="submit"]')
    assert "/login/" not in page.url, f"登录失败：{username}"
    return page


def shot(page, name):
    """Save a full-page screenshot to test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
