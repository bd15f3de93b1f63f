"""Security headers: every page a browser renders carries the Content-Security-Policy and Permissions-Policy, and
its HTML has nothing the policy would refuse (inline script, style attribute or block, event handler, hx-on);
`check --deploy` is clean with production-like settings."""
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import reverse

from campaigns.models import Phase
from surveys import services as surveys
from tests import factories as f
from tests.conftest import login
from tests.scoring.after_helpers import clear_rate_limits, publish

ROOT = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "frame-src": "'self'", "frame-ancestors": "'none'", "form-action": "'self'", "base-uri": "'self'",
    "object-src": "'none'",
}
PERMISSIONS = {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"}
# Not followed by the crawl: the logout (a POST anyway), the Django admin, and files (no HTML to read).
SKIPPED = re.compile(r"^/(logout|admin)/|\.(xlsx|pdf|csv|zip)$|/download/|/template/")
MAX_PAGES = 250


class InlineFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' refuses: <script> without src, <style>, style="…",
    on…="…" handlers, hx-on attributes and javascript: URLs; and the page's same-site links."""

    def __init__(self):
        super().__init__()
        self.found, self.links = [], []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style" or name.startswith(("on", "hx-on")):
                self.found.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…> at line {self.getpos()[0]}")
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])


def inline_content(html: str) -> tuple[list[str], list[str]]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found, finder.links


def policy_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_secure_page(response, url):
    assert policy_of(response) == POLICY, url
    assert set(response.headers.get("Permissions-Policy", "").split(", ")) == PERMISSIONS, url
    # The respondent's pages send none at all (docs/anonymity.md), the others only to this site.
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), url
    found, _ = inline_content(response.content.decode())
    assert found == [], f"{url}: {found}"


def test_inline_finder_sees_what_the_policy_refuses():
    html = ('<p style="color:red">x</p><script>alert(1)</script><script src="/static/a.js"></script><style>p{}</style>'
            '<button onclick="go()">b</button><div hx-on:click="x"></div><a href="javascript:void(0)">a</a>'
            '<a href="/ok/">ok</a>')
    found, links = inline_content(html)
    assert len(found) == 6
    assert links == ["javascript:void(0)", "/ok/"]
    assert inline_content('<p class="x" data-width="3">x</p>') == ([], [])


@pytest.fixture
def site(tree, staff, campaign, settings):
    """A published campaign (its 公示 page and the pages after the grades) and a campaign in the survey phase
    with issued codes."""
    settings.RATELIMIT_ENABLE = False
    clear_rate_limits()
    publish(campaign, staff)
    survey_campaign = f.campaign(tree["county"], slug="s2026", phase=Phase.SURVEY)
    codes = surveys.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=2, actor=staff)
    return {"campaign": campaign, "survey_campaign": survey_campaign, "codes": codes}


def test_every_page_of_a_staff_crawl_has_the_headers_and_no_inline_content(client, site, staff):
    login(client, staff)
    start = reverse("home")
    queue, seen, checked = [start], {start}, []
    while queue and len(checked) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        assert_secure_page(response, url)
        checked.append(url)
        for href in inline_content(response.content.decode())[1]:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIPPED.search(parts.path):
                continue
            if href not in seen:
                seen.add(href)
                queue.append(href)
    slug, survey_slug = site["campaign"].slug, site["survey_campaign"].slug
    reached = set(checked)
    for must in [reverse("campaign_list"), reverse("campaign_detail", args=[slug]), reverse("org_tree"),
                 reverse("org_detail", args=["vil-2"]), reverse("campaign_detail", args=[survey_slug]),
                 reverse("survey_overview", args=[survey_slug]), reverse("publicity_manage", args=[slug])]:
        assert must in reached, f"the crawl did not reach {must}; it checked {sorted(reached)}"
    assert len(checked) >= 20


def test_public_pages_have_the_headers_and_no_inline_content(client, site):
    pages = [reverse("login"), reverse("survey_entry"), reverse("survey_form", args=[site["codes"][0]]),
             reverse("public_results", args=[site["campaign"].slug])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_page(response, url)
    assert "二村党支部" in client.get(pages[2]).content.decode()


def test_a_page_for_staff_and_a_refusal_carry_the_headers_too(client, db):
    response = client.get(reverse("home"))  # the redirect to the login page
    assert response.status_code == 302
    assert policy_of(response) == POLICY
    assert "camera=()" in response.headers["Permissions-Policy"]


# Left to the outer environment: the database (nothing here connects to it).
def _production_env(**extra):
    cleared = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CSRF_TRUSTED_ORIGINS", "REDIS_URL",
               "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env.update(DEBUG="0", SECRET_KEY="p" * 20 + "-production-like-secret-with-plenty-of-entropy-5kQ8zW",
               ALLOWED_HOSTS="grading.example.org", SITE_URL="https://grading.example.org",
               REDIS_URL="redis://127.0.0.1:6379/7", SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="31536000")
    env.update(extra)
    return env


def _manage(*args, **extra):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_production_env(**extra),
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_like_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identified no issues" in result.stdout + result.stderr


def test_check_deploy_warns_when_hsts_is_off():
    """The check really looks: with HSTS off the same settings fail it."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_settings_send_hsts_and_redirect_to_https():
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_REFERRER_POLICY, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)")
    result = _manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1].split() == ["31536000", "True", "True", "same-origin", "True"], result.stderr
