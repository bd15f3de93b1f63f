"""CSV that a spreadsheet opens as data, never as formulas (CSV injection, OWASP).

Excel, LibreOffice and WPS treat a cell beginning with = + - @ (and a tab or carriage return before them) as a
formula: an org named `=cmd|' /C calc'!A0` in a links CSV would run when the file is opened. Every CSV the site
writes goes through `writer()`, which prefixes such text cells with an apostrophe (shown by the spreadsheet as
text, and visible to a reader of the raw file). Numbers are left alone: -3 is a number, not a formula."""
import csv

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` as a CSV cell that cannot start a formula: text beginning with one of FORMULA_PREFIXES gets a
    leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """A csv.writer whose rows go through safe_cell."""

    def __init__(self, inner):
        self._inner = inner

    @property
    def dialect(self):
        return self._inner.dialect

    def writerow(self, row):
        return self._inner.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, *args, **kwargs) -> SafeWriter:
    """Like csv.writer(stream, …), with every cell neutralised by safe_cell."""
    return SafeWriter(csv.writer(stream, *args, **kwargs))
