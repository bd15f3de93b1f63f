"""Every WeasyPrint internal the PDF writer (reports/writers/pdf.py) relies on, and nothing else.

Why internals at all: with WeasyPrint's public API only (`HTML(string=...)`, `CSS`, `FontConfiguration`,
`Document.pages`/`copy`/`write_pdf`, `Page.anchors`, pypdf to join the parts) the 一览表 PDF misses its budget
(≤ 300 MB, ≤ 0.5× the time of one naive document of the whole table): the same chunks take about as long as the
naive document and reach ~300 MB (docs/benchmarks.md, "Exports: WeasyPrint's public API only"). What the internals
buy, each used by one function here:

- `report_document`: our templates are well-formed XHTML, parsed with the C XML parser instead of WeasyPrint's
  pure-Python HTML5 parser and styled with the few user-agent rules they need instead of the full HTML5
  user-agent stylesheet (`ReportHTML`: it sets the attributes `HTML.__init__` sets, without calling it, and
  overrides `HTML._ua_stylesheets`).
- `page_rows`: the laid-out geometry of a page's table rows and cells, read from its box tree
  (`Page._page_box`, `TableBox`, `TableRowBox`, the cells' computed styles), from which the parallel layout
  estimates every row's height and so where each page begins.
- `wrapped_line_count`: how many lines a cell's text takes, broken by Pango with the cell's computed style
  (`weasyprint.text.line_break.create_layout`, WeasyPrint's cffi bindings of Pango), as WeasyPrint breaks it.

None of this is WeasyPrint's public API, so WeasyPrint is pinned to the minor version these were written for
(`SERIES`; pyproject.toml says the same) and tests/reports/test_weasy_adapter.py breaks when any of them changes.
"""
import xml.etree.ElementTree as ET
from typing import Any, NamedTuple

import cssselect2
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import TableBox, TableRowBox
from weasyprint.text.constants import PANGO_WRAP_MODE
from weasyprint.text.ffi import ffi, pango
from weasyprint.text.line_break import create_layout
from weasyprint.urls import URLFetcher

SERIES = "70.0"  # the WeasyPrint minor version this module is written for and tested with

# The few user-agent rules our own report markup needs. WeasyPrint's full HTML5 stylesheet has hundreds of rules,
# each matched against every element: on a long table that cascade is a fifth of the time.
REPORT_UA = """
html, body, div, section, h1, h2, p { display: block }
head, style, title, script { display: none }
table { display: table; box-sizing: border-box; border-spacing: 0 }
thead { display: table-header-group } tbody { display: table-row-group } tfoot { display: table-footer-group }
tr { display: table-row } td, th { display: table-cell } colgroup { display: table-column-group }
col { display: table-column } b, strong { font-weight: bold }
"""
_report_ua = None


class ReportHTML(HTML):
    """An HTML document of our own templates (well-formed XHTML): parsed with the C XML parser instead of the
    pure-Python HTML5 parser, styled with REPORT_UA instead of the full HTML5 user-agent stylesheet."""

    def __init__(self, markup: str):
        root = ET.fromstring(markup.split(">", 1)[1] if markup.lstrip().lower().startswith("<!doctype") else markup)
        self.base_url = None
        self.url_fetcher = URLFetcher()
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        global _report_ua
        if _report_ua is None:
            _report_ua = CSS(string=REPORT_UA)
        return [_report_ua]


def report_document(markup: str) -> HTML:
    """Our templates' markup as a WeasyPrint document: the fast `ReportHTML` when it is well-formed XHTML, else
    WeasyPrint's own HTML5 parser. Both render to the same pages."""
    try:
        return ReportHTML(markup)
    except ET.ParseError:
        return HTML(string=markup, base_url=".")


class RowBox(NamedTuple):
    """A laid-out table row: its number (its id after the prefix), top and height on the page (CSS px)."""
    n: int
    top: float
    height: float


class CellBox(NamedTuple):
    """A laid-out cell of a row: content width and height, whether its text never wraps (white-space nowrap or
    pre) and whether it may break anywhere (overflow-wrap anywhere or break-word), the height of its first line
    (None when it has none), its font size, and its computed style (for `wrapped_line_count`)."""
    width: float
    height: float
    nowrap: bool
    anywhere: bool
    line: float | None
    font_size: float
    style: Any


class PageRows(NamedTuple):
    """The table rows laid out on one page, in order, with the cells of the first of them; where the page's
    content area begins and ends; where the report table begins on this page (None when it does not)."""
    rows: list[RowBox]
    cells: list[CellBox]
    content_top: float
    content_bottom: float
    table_top: float | None


def _boxes(box, kind):
    """The boxes of exactly type `kind` below `box` (itself included), in document order."""
    stack = [box]
    while stack:
        b = stack.pop()
        if type(b) is kind:
            yield b
        stack.extend(reversed(getattr(b, "children", None) or []))


def _cell(c) -> CellBox:
    first = c.children[0] if c.children else None
    return CellBox(width=c.width, height=c.height, nowrap=c.style["white_space"] in ("nowrap", "pre"),
                   anywhere=c.style["overflow_wrap"] in ("anywhere", "break-word"),
                   line=first.height if first is not None and first.height else None,
                   font_size=c.style["font_size"], style=c.style)


def page_rows(page, prefix: str, table_class: str = "report") -> PageRows:
    """The geometry of the rows whose id is `prefix` followed by a number on `page` (a `weasyprint.Page`), and of
    the first table of class `table_class`."""
    box = page._page_box
    rows, first = [], None
    for row in _boxes(box, TableRowBox):
        el = getattr(row, "element", None)
        rid = el.get("id", "") if el is not None else ""
        if rid.startswith(prefix) and rid[len(prefix):].isdigit():
            rows.append(RowBox(int(rid[len(prefix):]), row.position_y, row.height))
            if first is None:
                first = row
    table = next((t for t in _boxes(box, TableBox)
                  if t.element is not None and table_class in (t.element.get("class") or "").split()), None)
    top = box.content_box_y()
    return PageRows(rows=rows, cells=[_cell(c) for c in first.children] if first is not None else [],
                    content_top=top, content_bottom=top + box.height,
                    table_top=table.position_y if table is not None else None)


def wrapped_line_count(text: str, style, width: float, anywhere: bool) -> int:
    """The lines Pango breaks `text` into at `width` (CSS px) with a cell's computed `style` (a `CellBox.style`),
    breaking between any two characters when a word does not fit and `anywhere` is set."""
    layout = create_layout(text, style, None, width, 0)
    if anywhere:
        pango.pango_layout_set_wrap(layout.layout, PANGO_WRAP_MODE["WRAP_WORD_CHAR"])
    lines = 1
    while pango.pango_layout_get_line_readonly(layout.layout, lines) != ffi.NULL:
        lines += 1
    return lines
