"""reports/writers/weasy_adapter.py, the one module that uses WeasyPrint internals: these tests break when the
installed WeasyPrint is not the pinned minor version, when an internal the adapter uses changes (names,
signatures, what `HTML.__init__` sets, the box tree's geometry, Pango's line breaking), and when another writer
module imports a WeasyPrint internal itself."""
import ast
import inspect
import io
import tomllib
from pathlib import Path

import pytest
import weasyprint
from packaging.requirements import Requirement
from packaging.version import Version
from pypdf import PdfReader
from weasyprint import CSS, HTML

from reports.writers import weasy_adapter as adapter

ROOT = Path(__file__).resolve().parents[2]
WRITERS = ROOT / "reports" / "writers"

STYLE = CSS(string="""
@page { size: A5; margin: 10mm }
html { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; line-height: 1.35 }
table.report { width: 100%; border-collapse: collapse; table-layout: fixed }
table.report td { border: 0.6pt solid #222; padding: 1.2pt 2pt; overflow-wrap: anywhere }
table.report td.num { white-space: nowrap; overflow-wrap: normal }
""")
LONG = "联合党支部" * 12  # wraps onto several lines in the first column


def markup(rows=60, long_row=None):
    """A report-like XHTML page: a title, then a two-column table (75% / 25%) of `rows` rows with ids t0, t1…;
    row `long_row` holds LONG."""
    body = "".join(f'<tr id="t{i}"><td>{LONG if i == long_row else f"第{i}村党支部"}</td><td class="num">{i}</td></tr>'
                   for i in range(rows))
    return ('<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"/><title>t</title></head><body>'
            '<h1>分类定级情况一览表</h1><table class="report"><colgroup><col style="width:75%"/>'
            f'<col style="width:25%"/></colgroup><tbody>{body}</tbody></table></body></html>')


def text_of(document) -> str:
    reader = PdfReader(io.BytesIO(document.write_pdf(stylesheets=[STYLE])))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_installed_weasyprint_is_the_pinned_minor_version():
    pins = [Requirement(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    spec = next(r.specifier for r in pins if r.name == "weasyprint")
    installed = Version(weasyprint.VERSION)
    series = Version(adapter.SERIES)
    assert installed in spec
    assert (installed.major, installed.minor) == (series.major, series.minor)
    assert series in spec and Version(f"{series.major}.{series.minor + 1}") not in spec  # one minor version only


def test_internals_used_have_the_names_and_signatures_the_adapter_calls():
    from weasyprint.formatting_structure import boxes
    from weasyprint.text import constants, ffi, line_break

    assert list(inspect.signature(line_break.create_layout).parameters) == [
        "text", "style", "context", "max_width", "justification_spacing"]
    assert "WRAP_WORD_CHAR" in constants.PANGO_WRAP_MODE
    for name in ("pango_layout_set_wrap", "pango_layout_get_line_readonly"):
        assert hasattr(ffi.pango, name), name
    assert ffi.ffi.NULL is not None
    assert list(inspect.signature(HTML._ua_stylesheets).parameters) == ["self", "forms"]
    assert issubclass(boxes.TableRowBox, boxes.ParentBox) and issubclass(boxes.TableBox, boxes.ParentBox)
    assert callable(boxes.Box.content_box_y)


def test_report_html_sets_what_html_init_sets():
    """ReportHTML skips HTML.__init__: it must set the same attributes, or rendering reads what is not there."""
    ours = adapter.ReportHTML(markup(rows=1))
    theirs = HTML(string=markup(rows=1))
    assert set(vars(ours)) == set(vars(theirs))
    assert ours.media_type == theirs.media_type == "print"
    assert isinstance(ours.url_fetcher, type(theirs.url_fetcher))


def test_report_document_renders_its_text_with_the_report_user_agent_stylesheet(monkeypatch):
    calls = []
    real = adapter.ReportHTML._ua_stylesheets
    monkeypatch.setattr(adapter.ReportHTML, "_ua_stylesheets", lambda self, forms=False: calls.append(1) or real(self))
    document = adapter.report_document(markup(rows=3))
    assert type(document) is adapter.ReportHTML
    text = text_of(document).replace(" ", "")
    assert "分类定级情况一览表" in text and "第2村党支部" in text
    assert calls, "WeasyPrint no longer asks the document for its user-agent stylesheets"


def test_markup_that_is_not_xhtml_goes_through_the_html5_parser():
    document = adapter.report_document("<!doctype html><p>未闭合<br>第二行")
    assert type(document) is HTML
    assert "第二行" in text_of(document).replace(" ", "")


def test_page_rows_agree_with_the_public_anchors():
    """The rows read from the box tree are where WeasyPrint's public Page.anchors put them (x1, y1, x2, y2)."""
    pages = adapter.report_document(markup()).render(stylesheets=[STYLE]).pages
    assert len(pages) >= 2
    seen = []
    for page in pages:
        geometry = adapter.page_rows(page, "t")
        anchors = [(int(k[1:]), v) for k, v in page.anchors.items() if k.startswith("t") and k[1:].isdigit()]
        assert [row.n for row in geometry.rows] == [n for n, _ in anchors]
        for row, (_, (_, y1, _, y2)) in zip(geometry.rows, anchors, strict=False):
            assert row.top == pytest.approx(y1) and row.height == pytest.approx(y2 - y1) and row.height > 0
        assert geometry.content_top <= geometry.rows[0].top < geometry.rows[-1].top < geometry.content_bottom
        seen += [row.n for row in geometry.rows]
    assert seen == list(range(60))
    first, second = (adapter.page_rows(p, "t") for p in pages[:2])
    assert first.table_top is not None and first.content_top < first.table_top <= first.rows[0].top
    assert second.table_top == pytest.approx(second.content_top)  # the table carries on at the top of page 2


def test_page_rows_give_the_first_rows_cells_as_laid_out():
    cells = adapter.page_rows(adapter.report_document(markup()).render(stylesheets=[STYLE]).pages[0], "t").cells
    assert len(cells) == 2
    name, number = cells
    assert name.width > 2.5 * number.width  # 75% and 25% of the table, less the same padding
    assert (name.nowrap, name.anywhere) == (False, True)
    assert (number.nowrap, number.anywhere) == (True, False)
    assert name.font_size == pytest.approx(10 * 96 / 72)  # 10pt in CSS px
    assert name.line == pytest.approx(name.font_size * 1.35)
    assert name.height == pytest.approx(name.line)  # one line of text
    assert name.style["font_size"] == name.font_size


def test_wrapped_line_count_is_the_number_of_lines_the_layout_gives():
    """A cell of LONG is as many lines high as wrapped_line_count says, with that cell's own style and width."""
    pages = adapter.report_document(markup(rows=3, long_row=1)).render(stylesheets=[STYLE]).pages
    geometry = adapter.page_rows(pages[0], "t")
    name = geometry.cells[0]
    short, long = geometry.rows[0], geometry.rows[1]
    lines = adapter.wrapped_line_count(LONG, name.style, name.width, name.anywhere)
    assert lines >= 3
    assert long.height - short.height == pytest.approx((lines - 1) * name.line)
    assert adapter.wrapped_line_count("第1村党支部", name.style, name.width, name.anywhere) == 1
    word = "x" * 200  # one unbreakable word: broken only where any character may break
    assert adapter.wrapped_line_count(word, name.style, name.width, True) > 1
    assert adapter.wrapped_line_count(word, name.style, name.width, False) == 1


def test_writer_modules_import_only_weasyprint_public_names():
    """Only the adapter may reach into WeasyPrint; the others use what WeasyPrint documents as its API."""
    public = {("weasyprint", name) for name in weasyprint.__all__} | {("weasyprint.text.fonts", "FontConfiguration")}
    found = []
    for path in sorted(WRITERS.glob("*.py")):
        if path.name == "weasy_adapter.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path.name, a.name, "*") for a in node.names if a.name.split(".")[0] == "weasyprint"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "weasyprint":
                found += [(path.name, node.module, a.name) for a in node.names]
    assert any(name == "pdf.py" for name, _, _ in found)  # the scan sees the PDF writer's imports
    assert [f for f in found if (f[1], f[2]) not in public] == []
