"""No survey code in any log line (docs/anonymity.md, "A log reader"): the filter of core/logging.py, installed in
settings.LOGGING, rewrites /s/<code>/ to /s/…/ in Django's request log — message, arguments, traceback and the
request a handler may print — and the web process writes no access log."""
import logging
import runpy
from pathlib import Path

import pytest
from django.test import Client

from core.logging import scrub
from surveys import services

ROOT = Path(__file__).resolve().parents[2]


class Lines(logging.Handler):
    """Formats every record the way a log file would, with the traceback and the attached request."""

    def __init__(self):
        super().__init__()
        self.lines = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request)s"))

    def emit(self, record):
        if not hasattr(record, "request"):
            record.request = ""
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    handler = Lines()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_an_error_on_a_survey_page_logs_no_code(codes, request_log, monkeypatch):
    def broken(code):
        raise RuntimeError(f"lookup failed for /s/{code}/")

    monkeypatch.setattr(services, "open_token", broken)
    client = Client(raise_request_exception=False)
    response = client.get(f"/s/{codes[0]}/")
    assert response.status_code == 500
    text = "\n".join(request_log)
    assert "Internal Server Error: /s/…/" in text and "RuntimeError" in text  # the error itself is logged
    assert codes[0] not in text and codes[0].lower() not in text
    assert "/s/…/" in text.split("RuntimeError", 1)[1]  # the traceback's message too


def test_the_filter_is_what_hides_it(codes):
    """Without the filter the same record would carry the code: the test above can fail."""
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                               (f"/s/{codes[0]}/",), None)
    assert codes[0] in record.getMessage()
    from core.logging import SurveyPathFilter

    SurveyPathFilter().filter(record)
    assert record.getMessage() == "Internal Server Error: /s/…/"


@pytest.mark.parametrize("text, expected", [
    ("GET /s/ABCD-EFGH-JKMNP/ 500", "GET /s/…/ 500"),
    ("/s/abcdefghjkmnp", "/s/…/"),
    ("/s/ and /s/thanks/", "/s/ and /s/…/"),
    ("/campaigns/x/survey/", "/campaigns/x/survey/"),
])
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_logging_settings_install_the_filter_and_the_web_process_writes_no_access_log():
    from django.conf import settings

    assert settings.LOGGING["filters"]["survey_paths"]["()"] == "core.logging.SurveyPathFilter"
    assert "survey_paths" in settings.LOGGING["loggers"]["django.request"]["filters"]
    assert all("survey_paths" in h.get("filters", []) for h in settings.LOGGING["handlers"].values())
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert conf.get("accesslog") is None  # gunicorn: no access log (nginx's leaves /s/ paths out)
