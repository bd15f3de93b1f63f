"""PDF writer (WeasyPrint): A4 print layout with an embedded CJK font (core/pdf_fonts.py: the project's common subset
of Noto Sans CJK SC, falling back to the system font per character), title, 填报单位, date,
page numbers (@page counters), table headers repeated on every page, signature and seal lines.

Long tables are laid out in chunks of rows, each chunk its own WeasyPrint document: WeasyPrint's table layout
costs more than linear time in the rows of one table, and a chunk's layout is freed once its pages are written.
The seams are invisible: a chunk's last, partly filled page is dropped and its rows begin the next chunk, whose
page counter starts where the previous chunk stopped (`@page :first { counter-reset: page N }`). The parts are
joined with pypdf. A long one-table report is laid out by several forked processes at once, each from a page top
guessed from estimated row heights and verified (see `_write_parallel`); PDF_WORKERS=1 in the environment turns
that off.

Only WeasyPrint's public API is used here (`CSS`, `FontConfiguration`, `Document.pages`/`copy`/`write_pdf`,
`Page.anchors`); the internals the fast parser and the row-height estimates need are in `weasy_adapter`."""
import bisect
import gc
import io
import logging
import multiprocessing
import os
from contextlib import contextmanager
from html import escape

from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from core import pdf_fonts as fonts
from reports.writers.text import cell_text
from reports.writers.weasy_adapter import page_rows, report_document, wrapped_line_count

logger = logging.getLogger(__name__)

CHUNK_ROWS = 150  # rows per WeasyPrint document
FLUSH_PAGES = 60  # laid-out pages kept in memory before they are written out
PAGES_PER_CHUNK = 40  # "pages" layout (one page per org): orgs per document


def _thead(columns) -> str:
    """One header row, or two when columns are grouped (the group spans its columns)."""
    if not any(c.group for c in columns):
        return "<tr>" + "".join(f"<th>{escape(c.title)}</th>" for c in columns) + "</tr>"
    top, bottom, i = [], [], 0
    while i < len(columns):
        col = columns[i]
        if not col.group:
            top.append(f'<th rowspan="2">{escape(col.title)}</th>')
            i += 1
            continue
        span = 1
        while i + span < len(columns) and columns[i + span].group == col.group:
            span += 1
        top.append(f'<th colspan="{span}">{escape(col.group)}</th>')
        bottom.extend(f"<th>{escape(c.title)}</th>" for c in columns[i:i + span])
        i += span
    return "<tr>" + "".join(top) + "</tr><tr>" + "".join(bottom) + "</tr>"


def _rows_html(sheet, prefix="r") -> list[str]:
    """Each row as a <tr> with an id (<prefix><N>) so that the page it lands on can be found after layout."""
    kinds = [c.kind for c in sheet.columns]
    classes = [' class="num"' if c.kind in ("int", "score", "percent") else
               (' class="c"' if c.kind == "date" or (c.width <= 9 and not c.wrap) else "") for c in sheet.columns]
    rows = list(sheet.rows)
    out = []
    last = len(rows) - 1
    for n, values in enumerate(rows):
        cls = ' class="total"' if sheet.total_row and n == last else ""
        cells = "".join(f"<td{klass}>{escape(cell_text(v, kind))}</td>"
                        for v, kind, klass in zip(values, kinds, classes, strict=False))
        out.append(f'<tr id="{prefix}{n}"{cls}>{cells}</tr>')
    return out


def _widths(columns) -> list[str]:
    total = sum(c.width for c in columns) or 1
    return [f"{c.width * 100 / total:.3f}" for c in columns]


class _Renderer:
    def __init__(self, exporter):
        self.exporter = exporter
        self.font_config = FontConfiguration()
        css = render_to_string("reports/pdf/print.css", {
            "orientation": "landscape" if exporter.landscape else "portrait",
            "font_size": 8 if exporter.landscape else 10,
            "footer_right": _css_string(f"{exporter.campaign.name} · {exporter.title}"),
        })
        self.stylesheet = CSS(string=css, font_config=self.font_config)
        self.pages = []  # laid-out pages not yet written
        self.parts: list[bytes] = []
        self.page_total = 0
        self.flush_pages = FLUSH_PAGES
        self.write_lock = None  # see flush()
        self._owner = None  # the latest chunk document; copy() joins pages of any documents

    def base_context(self):
        e = self.exporter
        return {"title": e.title, "unit": e.unit_name, "scope_label": e.scope_label, "date": e.date_label,
                "campaign_name": e.campaign.name,
                "signatures": e.signatures}

    def render(self, html: str, first_page: int):
        """Lay out one chunk document. The garbage collector runs here, once a chunk (see `_collect_per_chunk`):
        the chunks written before have become garbage by now."""
        gc.collect()
        sheets = [self.stylesheet]
        if first_page > 1:
            sheets.append(CSS(string=f"@page :first {{ counter-reset: page {first_page} }}",
                              font_config=self.font_config))
        return report_document(html).render(stylesheets=sheets, font_config=self.font_config)

    def keep(self, pages):
        self.pages.extend(pages)
        self.page_total += len(pages)
        if len(self.pages) >= self.flush_pages:
            self.flush()

    def flush(self):
        """Write the laid-out pages (from any number of chunk documents) as one PDF part. Writing copies every
        used font file for subsetting (~2 MB a face for the common font, ~20 MB for a system CJK collection, with
        ~+80 MB of HarfBuzz work on it): processes laying out one PDF together take turns (`write_lock`), so that
        only one of them holds that at a time."""
        if self.pages:
            if self.write_lock is None:
                self.parts.append(self._owner.copy(self.pages).write_pdf())
            else:
                with self.write_lock:
                    self.parts.append(self._owner.copy(self.pages).write_pdf())
            self.pages = []
            self._owner = None  # the written chunk documents may go

    def finish(self, target):
        self.flush()
        if len(self.parts) == 1:
            data = self.parts[0]
        else:
            writer = PdfWriter()
            for part in self.parts:
                writer.append(PdfReader(io.BytesIO(part)))
            buf = io.BytesIO()
            writer.write(buf)
            data = buf.getvalue()
        if hasattr(target, "write"):
            target.write(data)
        else:
            with open(target, "wb") as fh:
                fh.write(data)


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _first_row(page, prefix: str):
    """The index of the first table row laid out on `page` (None for a page without rows)."""
    rows = [int(a[len(prefix):]) for a in page.anchors if a.startswith(prefix) and a[len(prefix):].isdigit()]
    return min(rows) if rows else None


def _section(s, start, end, with_heading):
    return {"heading": s["sheet"].heading if with_heading else "", "widths": s["widths"], "thead": s["thead"],
            "tbody": "".join(s["rows"][start:end]), "notes": s["sheet"].notes, "last": end >= len(s["rows"])}


def _lay_out(r, base, s, *, start, first, last_sheet, chunk_rows, stop=None, on_rows=None, tops=None):
    """Lay out the rows of sheet `s` from row `start` (the top of a page of the whole document) in chunks of
    `chunk_rows` rows, keeping full pages: a chunk's last, partly filled page is dropped and its rows begin the next
    chunk, so every page is the page one document of the whole report would have. Pages are numbered on from
    `r.page_total`.

    With `stop` (a row guessed to begin a page), lay out only up to that row and return True when a page of the
    whole document does begin there (the pages before it are kept); when it does not, carry on to the end of the
    sheet and return False. Without `stop`, lay out to the end and return False. `on_rows(n)` is told how many rows
    were kept after each chunk.

    `tops` (sorted rows estimated to begin a page) lets a chunk end one row after an estimated page top: when the
    estimate holds, the dropped last page holds that one row instead of a page of rows laid out twice."""
    n = len(s["rows"])
    size = chunk_rows
    prefix = s["prefix"]
    if stop is not None and start >= stop:
        return start == stop
    while start < n or (n == 0 and start == 0):
        doc = pages = None  # the previous chunk is written, or its pages are in r.pages: let the rest go
        end = _chunk_end(start, size, n, tops)
        capped = stop is not None and end > stop
        if capped:  # lay out just to the guessed row: does it begin a page?
            end = stop + 1
        doc = _render_rows(r, base, s, start, end, first=first, last=end >= n and last_sheet)
        pages = doc.pages
        if capped:
            if len(pages) > 1 and _first_row(pages[-1], prefix) == stop:
                _keep(r, doc, pages[:-1], stop - start, on_rows)
                return True
            stop = None  # the guess was wrong: the page holding row `stop` begins earlier. Carry on.
        if end < n and len(pages) == 1:  # the chunk does not fill a page: take more rows
            size *= 2
            continue
        next_start, pages = _full_pages(pages, prefix, start, end, n)
        _keep(r, doc, pages, next_start - start, on_rows)
        first = False
        start = next_start
        if n == 0:
            break
    return False


def _chunk_end(start, size, n, tops):
    """Where a chunk of `size` rows from `start` ends (of `n`): one row after the last estimated page top in it
    (`tops`), if there is one."""
    end = min(start + size, n)
    if tops and end < n:
        i = bisect.bisect_right(tops, end - 1) - 1
        if i >= 0 and tops[i] > start:
            end = tops[i] + 1
    return end


def _render_rows(r, base, s, start, end, *, first, last):
    """The rows `start`..`end` of sheet `s` laid out as one chunk document, its pages numbered on from
    `r.page_total`."""
    html = render_to_string(r.exporter.pdf_template, {
        **base, "first": first, "last": last, "sheets": [_section(s, start, end, start == 0)]})
    return r.render(html, r.page_total + 1)


def _full_pages(pages, prefix, start, end, n):
    """(the row the next chunk begins with, the pages to keep) of a chunk of rows `start`..`end` (of `n`): all of
    them for the table's last chunk; else all but the last, partly filled page, whose rows begin the next chunk
    (unless that page holds none of its own)."""
    if end < n and len(pages) > 1:
        on_last = _first_row(pages[-1], prefix)
        if on_last is not None and on_last > start:
            return on_last, pages[:-1]
    return end, pages


def _keep(r, doc, pages, rows, on_rows):
    """Keep `pages` of chunk document `doc` (to be written) and report `rows` more rows done."""
    r._owner = doc
    r.keep(pages)
    if on_rows is not None:
        on_rows(rows)


def write_pdf(exporter, target, progress=None, chunk_rows: int | None = None) -> None:
    """Write `exporter` as a print-ready PDF to `target` (a path or a binary file); `progress(done, total)`.
    The pages are the same as one document of the whole report would have: every page but a table's last is
    full, whatever the chunk size. A long one-table report is laid out by several processes at once (see
    `_write_parallel`); the result is the same."""
    with _collect_per_chunk():
        _write_pdf(exporter, target, progress, chunk_rows or CHUNK_ROWS)


@contextmanager
def _collect_per_chunk():
    """Python's cyclic garbage collector is paused while a report is laid out and written, and run by
    `_Renderer.render` before each chunk instead, when the chunks before it have been written. A chunk's layout is
    ~125,000 objects that live until its pages are written: the collector's automatic passes over them free nothing
    and cost 10–20% of the CPU time of a long export. The objects from before the export are frozen (gc.freeze)
    meanwhile, so that those collections only look at the export's own objects (and a forked worker does not copy
    the pages the collector would otherwise touch). Does nothing when the collector is already off (a caller
    managing it)."""
    if not gc.isenabled():
        yield
        return
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()
        gc.unfreeze()


def _write_pdf(exporter, target, progress, chunk_rows):
    if exporter.pdf_layout == "pages":
        return _write_pages(exporter, target, progress)
    r = _Renderer(exporter)
    sheets = []
    for si, sheet in enumerate(exporter.sheets()):
        sheet.rows = list(sheet.rows)
        sheets.append({"sheet": sheet, "rows": _rows_html(sheet, f"s{si}r"), "prefix": f"s{si}r",
                       "thead": _thead(sheet.columns), "widths": _widths(sheet.columns)})
    total = sum(len(s["rows"]) for s in sheets) or 1
    done = [0]

    def on_rows(k):
        done[0] += k
        if progress is not None:
            progress(min(done[0], total), total)

    base = r.base_context()
    if total <= chunk_rows:
        html = render_to_string(exporter.pdf_template, {
            **base, "first": True, "last": True,
            "sheets": [_section(s, 0, len(s["rows"]), True) for s in sheets]})
        doc = r.render(html, 1)
        r._owner = doc
        r.keep(doc.pages)
    elif len(sheets) == 1 and total >= PARALLEL_MIN_CHUNKS * chunk_rows and _workers() > 1:
        _write_parallel(r, base, sheets[0], chunk_rows, on_rows)
    else:
        for si, s in enumerate(sheets):
            _lay_out(r, base, s, start=0, first=si == 0, last_sheet=si == len(sheets) - 1, chunk_rows=chunk_rows,
                     on_rows=on_rows)
    if progress is not None:
        progress(total, total)
    r.finish(target)


# --- laying out one long table in parallel ------------------------------------------------------------------------
#
# A page of the table holds the rows that fit under its header, so where page k+1 begins depends on the heights of
# every row before it. The rows' heights do not depend on where a row lands (fixed table layout, fixed column
# widths, rows never split), so they can be estimated from the cell texts with the font's metrics, once the first
# pages (laid out for real) have given the geometry: column widths, line height, row padding, where rows begin on a
# page and where they must end. From the estimate the rows are cut into ranges that begin at guessed page tops; the
# main process lays out the first range and each worker process (forked, sharing the prepared rows) one of the
# others. A range is kept only if the range before it really ended on that page top with the guessed page number;
# otherwise the range before it simply carries on to the end of the table, so the result is always the pages one
# document of the whole table would have — the guess only decides how much runs in parallel.

PARALLEL_MIN_CHUNKS = 4  # a table of fewer rows than this many chunks is laid out in one process
PARALLEL_FLUSH_PAGES = 1  # in parallel, each chunk's pages are written at once (memory per process stays flat)
PROBE_PAGES = 1  # full pages laid out first, in the main process, to measure the geometry
WORKERS = int(os.environ.get("PDF_WORKERS", "0")) or None  # processes in all (default: the CPUs, at most 4)


def _workers() -> int:
    """How many processes may lay out one PDF: 1 where forking is not possible or not wise (no fork, a daemonic
    process such as a Celery prefork child, one CPU)."""
    if not hasattr(os, "fork") or multiprocessing.current_process().daemon:
        return 1
    return WORKERS or min(os.cpu_count() or 1, 4)


class _Metrics:
    """Row-height estimates for one table, measured on laid-out pages of it and the font's glyph advances."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.columns = None  # [(content width, nowrap, break anywhere)]
        self.styles = None  # the cells' computed styles, per column
        self.font_size = self.line = self.pad = None
        self.heights = {}  # row → measured height
        self.body_top = None
        self.lo, self.hi = 0.0, float("inf")  # the page bottom lies in [lo, hi)
        self.bottom = None

    def measure(self, doc):
        for page in doc.pages:
            geometry = page_rows(page, self.prefix)
            if geometry.rows:
                self._measure_page(geometry)

    def _measure_page(self, g):
        for row in g.rows:
            self.heights[row.n] = row.height
        first = g.rows[0]
        if first.n != 0:
            self.body_top = first.top
        elif self.body_top is None and g.table_top is not None:
            # a page without the title: rows begin under the header at the top
            self.body_top = g.content_top + first.top - g.table_top
        if self.columns is None:
            cells = g.cells
            self.columns = [(c.width, c.nowrap, c.anywhere) for c in cells]
            self.styles = [c.style for c in cells]
            self.font_size = cells[0].font_size
            lines = [c.line for c in cells if c.line]
            self.line = min(lines) if lines else self.font_size * 1.35
            self.pad = first.height - max(c.height for c in cells)
        self.bottom = g.content_bottom  # rows may reach the page's content bottom

    def close_page(self, last_bottom, next_height):
        """A full page ended at `last_bottom`; the next row (`next_height`) did not fit."""
        self.lo = max(self.lo, last_bottom)
        self.hi = min(self.hi, last_bottom + next_height)

    def limit(self) -> float:
        bottom = self.bottom if self.bottom is not None else self.lo
        return min(max(bottom, self.lo), self.hi - 1e-6)


_fonts = {}


def _text_font():
    """The regular face the report's text is set in first (Pillow, for glyph advances): the built common font when
    there is one, else the system's Noto Sans CJK SC (core.pdf_fonts.text_face) — the font the layout uses. None when
    it cannot be loaded."""
    try:
        path, index = fonts.text_face()
    except fonts.FontBuildError:  # no fontconfig or no system font: no estimate, the table is laid out in one process
        return None
    if (path, index) not in _fonts:
        try:
            from PIL import ImageFont

            _fonts[path, index] = ImageFont.truetype(path, 1000, index=index)
        except Exception:  # no Pillow font: as above
            _fonts[path, index] = None
    return _fonts[path, index]


def _lines(text, width, nowrap, anywhere, font, size, style=None):
    """Lines a cell text takes at `width`: 1 when the font's glyph advances say it fits with room to spare, else
    what Pango (WeasyPrint's own line breaker, with the cell's computed `style`) makes of it."""
    if not text or nowrap:
        return 1
    if font.getlength(text) * size / 1000 <= width * 0.97:
        return 1
    if style is None:
        return -(-int(font.getlength(text) * size / 1000) // max(int(width), 1))
    return wrapped_line_count(text, style, width, anywhere)


def _estimate_pages(m, texts, start, page_no):
    """[(row, page number)] of the page tops from row `start` (a page top numbered `page_no`) on, as estimated."""
    font = _text_font()
    limit = m.limit()
    cache = {}
    tops = [(start, page_no)]
    y = m.body_top
    for n in range(start, len(texts)):
        h = m.heights.get(n)
        if h is None:
            lines = 1
            for i, (text, (width, nowrap, anywhere)) in enumerate(zip(texts[n], m.columns, strict=False)):
                key = (i, text)
                if key not in cache:
                    cache[key] = _lines(text, width, nowrap, anywhere, font, m.font_size, m.styles[i])
                lines = max(lines, cache[key])
            h = m.pad + lines * m.line
        if y + h > limit * (1 + 1e-9) and y > m.body_top:
            page_no += 1
            tops.append((n, page_no))
            y = m.body_top
        y += h
    return tops


def _write_parallel(r, base, s, chunk_rows, on_rows):
    """Lay out one long table with several processes (see the comment above); same pages as `_lay_out`."""
    m = _Metrics(s["prefix"])
    # 1. The first page(s), for real and measured.
    start = _probe(r, base, s, chunk_rows, m)
    if start is None:
        return _lay_out(r, base, s, start=0, first=True, last_sheet=True, chunk_rows=chunk_rows, on_rows=on_rows)
    on_rows(start)

    # 2. Guess the page tops of the rest and cut it into one range per process.
    texts = [[cell_text(v, c.kind) for v, c in zip(values, s["sheet"].columns, strict=False)] for values in s["sheet"].rows]
    guess = _estimate_pages(m, texts, start, r.page_total + 1)
    tops = [t for t, _ in guess]
    r.flush_pages = PARALLEL_FLUSH_PAGES
    cuts = _cuts(guess, start, len(texts) - start, min(_workers(), max(1, len(guess) // 2)))
    if not cuts:
        return _lay_out(r, base, s, start=start, first=False, last_sheet=True, chunk_rows=chunk_rows,
                        on_rows=on_rows, tops=tops)

    # 3. One worker per later range; this process lays out the first.
    ctx = multiprocessing.get_context("fork")
    rows_done = ctx.Value("i", 0)
    r.write_lock = ctx.Lock()
    procs = _start_workers(ctx, r, base, s, cuts, chunk_rows, rows_done, tops)
    seen = [0]

    def on_rows_main(k):  # this process's rows and the workers' since the last call
        v = rows_done.value
        on_rows(k + v - seen[0])
        seen[0] = v

    try:
        resume = None  # where to carry on in this process when a guess was wrong
        if _lay_out(r, base, s, start=start, first=False, last_sheet=True, chunk_rows=chunk_rows,
                    stop=cuts[0][0], on_rows=on_rows_main, tops=tops):
            resume = _join_ranges(r, procs, cuts)
        # else: the first range did not end on the guessed page top, and carried on to the end of the table
        if resume is not None:
            _lay_out(r, base, s, start=resume, first=False, last_sheet=True, chunk_rows=chunk_rows,
                     on_rows=on_rows, tops=tops)
    finally:
        _stop_workers(procs)


def _probe(r, base, s, chunk_rows, m):
    """Lay out the rows of PROBE_PAGES pages and some of the next, measured into `m`; keep the full pages and
    return the row the next page begins with. None, with nothing kept, when the table cannot be estimated (it
    fits on those pages, a page holds no row, no font for glyph advances, no geometry)."""
    prefix, n = s["prefix"], len(s["rows"])
    probe_rows = max(chunk_rows // 8, 8)
    while True:
        end = min(probe_rows, n)
        doc = _render_rows(r, base, s, 0, end, first=True, last=False)
        if len(doc.pages) > PROBE_PAGES or end >= n:
            break
        probe_rows *= 2
    m.measure(doc)
    pages = doc.pages
    tops = [_first_row(p, prefix) for p in pages]
    if end >= n or len(pages) <= PROBE_PAGES or None in tops or _text_font() is None or m.body_top is None:
        return None
    for k in range(len(pages) - 1):  # the full pages tell where a page ends
        row = next(b for b in page_rows(pages[k], prefix).rows if b.n == tops[k + 1] - 1)
        m.close_page(row.top + row.height, m.heights[tops[k + 1]])
    _keep(r, doc, pages[:-1], 0, None)
    return tops[-1]


def _cuts(guess, start, remaining, workers):
    """[(row, page number)] where ranges 2..`workers` begin: the guessed page tops (`guess`) nearest to equal
    shares of the `remaining` rows from `start`, each after the one before."""
    cuts = []
    for k in range(1, workers):
        target = start + remaining * k // workers
        top = min(guess, key=lambda t: abs(t[0] - target))
        if top[0] > (cuts[-1][0] if cuts else start):
            cuts.append(top)
    return cuts


def _start_workers(ctx, r, base, s, cuts, chunk_rows, rows_done, tops):
    """A forked `_range_worker` per cut, each laying out up to the next cut: [(process, its result pipe)]."""
    procs = []
    for i, (row, page_no) in enumerate(cuts):
        stop = cuts[i + 1][0] if i + 1 < len(cuts) else None
        receive, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_range_worker, args=(send, r, base, s, row, page_no, stop, chunk_rows, rows_done, tops),
                        daemon=True)
        p.start()
        send.close()
        procs.append((p, receive))
    return procs


def _join_ranges(r, procs, cuts):
    """Once this process's range has ended on the first cut: append the workers' parts in order, as long as each
    range began on the page number guessed for it and the one before it ended where it began. Returns the row
    this process must carry on from (a wrong guess, a failed worker), or None when the workers' parts reach the
    end of the table."""
    if r.page_total + 1 != cuts[0][1]:
        return cuts[0][0]
    for i, (_process, receive) in enumerate(procs):
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = "error", "the worker ended without a result"
        if status == "error":  # e.g. killed: lay out its range (and the rest) here
            logger.warning("PDF worker failed, laying out its rows in the main process: %s", payload)
            return cuts[i][0]
        hit, parts, page_total = payload
        r.flush()
        r.parts.extend(parts)
        r.page_total = page_total
        if i + 1 == len(procs) or not hit:  # the last range, or one that carried on to the end
            return None
        if page_total + 1 != cuts[i + 1][1]:
            return cuts[i + 1][0]
    return None


def _stop_workers(procs):
    for p, receive in procs:
        if p.is_alive():
            p.terminate()
        p.join()
        receive.close()


def _range_worker(send, r, base, s, start, page_no, stop, chunk_rows, rows_done, tops):
    """In a forked process: lay out the rows from `start` (page `page_no`) to the end, or to `stop` when that row
    begins a page; send (hit, PDF parts, last page number) back."""
    try:
        r.pages, r.parts, r._owner = [], [], None
        r.page_total = page_no - 1

        def on_rows(k):
            with rows_done.get_lock():
                rows_done.value += k

        hit = _lay_out(r, base, s, start=start, first=False, last_sheet=True, chunk_rows=chunk_rows, stop=stop,
                       on_rows=on_rows, tops=tops)
        r.flush()
        send.send(("ok", (hit, r.parts, r.page_total)))
    except BaseException as exc:
        send.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def _write_pages(exporter, target, progress=None):
    """One page per item (登记表): documents of PAGES_PER_CHUNK items, page numbers running on."""
    r = _Renderer(exporter)
    total = exporter.page_count() or 1
    base = r.base_context()
    batch, done = [], 0

    def render_batch(batch, last):
        html = render_to_string(exporter.pdf_template, {**base, "items": batch, "last": last})
        doc = r.render(html, r.page_total + 1)
        r._owner = doc
        r.keep(doc.pages)

    for item in exporter.pages():
        batch.append(item)
        if len(batch) >= PAGES_PER_CHUNK:
            render_batch(batch, False)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, total)
    if batch or r.page_total == 0:
        render_batch(batch, True)
        done += len(batch)
    if progress is not None:
        progress(total, total)
    r.finish(target)
