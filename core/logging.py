"""Log hygiene: no survey code in any log line (docs/anonymity.md, "A log reader").

SurveyPathFilter rewrites every `/s/<anything>/` in a record's message, its arguments and its formatted
traceback to `/s/…/`, so "Internal Server Error: /s/ABCDEFGHJKMNP/" is written as "Internal Server Error: /s/…/".
Installed in settings.LOGGING on the loggers that write request paths (django.request, django.server) and on
every handler, so records that propagate from other loggers are rewritten too. A filter, not a formatter: it runs
before any handler sees the record."""
import logging
import re

_SURVEY_PATH = re.compile(r"/s/[^/\s?#\"']+/?")
HIDDEN = "/s/…/"


def scrub(text: str) -> str:
    """`text` with every survey path /s/<code>/ replaced by /s/…/ (the entry page /s/ itself stays)."""
    return _SURVEY_PATH.sub(HIDDEN, text)


def _scrubbed(value):
    return scrub(value) if isinstance(value, str) else value


class SurveyPathFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrubbed(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _scrubbed(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if hasattr(record, "request"):  # Django's request loggers attach the request; handlers may print it
            record.request = _ScrubbedRequest(record.request)
        return True


class _ScrubbedRequest:
    """The request as a handler or formatter of a log record may show it: its path without the code."""

    def __init__(self, request):
        self._request = request
        self.path = scrub(getattr(request, "path", ""))
        self.path_info = scrub(getattr(request, "path_info", ""))
        self.method = getattr(request, "method", "")

    def get_full_path(self):
        return self.path

    def __repr__(self):
        return f"<{type(self._request).__name__}: {self.method} {self.path!r}>"
