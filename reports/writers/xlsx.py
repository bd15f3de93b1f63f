"""XLSX writer: title rows, header, native numbers, frozen header, A4 landscape print setup; text that looks like a
formula (= + - @) is always stored as text.

openpyxl (write-only mode) writes the workbook: styles, title, 填报单位 and header rows, column widths, merged
cells, print setup. The data rows — thousands of them — do not go through openpyxl's per-cell objects and XML
element writer: each row is formatted straight to the SpreadsheetML openpyxl itself would write for it (inline
strings, numbers with "%.16g", openpyxl's style ids), and streamed into the worksheet part while the package is
written, so memory does not grow with the rows."""
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.properties import PageSetupProperties

FORMULA_PREFIXES = ("=", "+", "-", "@")
TITLE_ROWS = 2  # report title; 填报单位 and date
HEADER_ROW = TITLE_ROWS + 1
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
MAX_TEXT = 32767  # Excel's limit of characters in a cell (openpyxl truncates the same way)
FLUSH_ROWS = 500  # rows formatted before they are written to the package

_thin = Side(style="thin", color="999999")
_border = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_header_fill = PatternFill("solid", fgColor="EFEFEF")


def sheet_title(name: str, used: set) -> str:
    """A valid, unique worksheet title (≤ 31 characters, no []:*?/\\)."""
    base = (name.translate(SHEET_NAME_FORBIDDEN) or "Sheet")[:31]
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _clean(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_cell(ws, value: str):
    """A cell of text that openpyxl writes (title rows): formula-looking text is stored as text, never a formula."""
    value = _clean(value)
    if value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell
    return value


class _RowFormatter:
    """Formats report rows as SpreadsheetML <row> elements, as openpyxl would write the same values: text as inline
    strings (illegal control characters removed, at most 32,767 characters; text starting with = + - @ gets the
    quote-prefix style, so Excel never reads it as a formula), numbers (int, Decimal, float, Fraction) as numbers,
    shares ("percent"), scores and dates with their number formats, None as an absent cell. A totals row is bold.
    The style ids are registered in the workbook's stylesheet before it is saved."""

    FORMATS = {"percent": "0.0%", "score": "0.0", "date": "yyyy-mm-dd"}
    OTHER_FORMATS = ("yyyy-mm-dd", "h:mm:ss", "yyyy-mm-dd h:mm:ss")  # dates and times outside a "date" column
    _frozen = False

    def __init__(self, ws, columns):
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self.kinds = [c.kind for c in columns]
        self._ws = ws
        self._ids = {}
        self.styles = {bold: [self._style(self.FORMATS.get(kind), bold) for kind in self.kinds]
                       for bold in (False, True)}
        for bold in (False, True):  # every other style a value may need, registered before the workbook is saved
            self._style(None, bold, quote=True)
            for fmt in self.OTHER_FORMATS:
                self._style(fmt, bold)
        self._frozen = True

    def _style(self, number_format=None, bold=False, quote=False) -> str:
        """' s="N"' for a style (openpyxl's id for it), '' for the default style."""
        key = (number_format, bold, quote)
        if key not in self._ids:
            if self._frozen:
                raise RuntimeError(f"style {key} was not registered before the workbook was saved")
            if key == (None, False, False):
                self._ids[key] = ""
            else:
                cell = WriteOnlyCell(self._ws)
                if number_format:
                    cell.number_format = number_format
                if bold:
                    cell.font = Font(bold=True)
                if quote:
                    cell.quotePrefix = True
                self._ids[key] = f' s="{cell.style_id}"'
        return self._ids[key]

    def row(self, r: int, values, bold: bool = False) -> str:
        out = []
        append = out.append
        cell = self._cell
        for letter, kind, style, v in zip(self.letters, self.kinds, self.styles[bold], values, strict=False):
            if v is None or v == "":
                if bold:  # a totals row is bold across, empty cells too
                    append(f'<c r="{letter}{r}"{style}/>' if v is None else
                           f'<c r="{letter}{r}"{style} t="inlineStr"/>')
                continue
            append(cell(f"{letter}{r}", kind, style, v, bold))
        return f'<row r="{r}">{"".join(out)}</row>'

    def _cell(self, ref: str, kind: str, style: str, v, bold: bool) -> str:
        """The <c> element of a value that is neither None nor empty text, in the column's `style` unless the
        value needs another (formula-looking text, a date or time outside a "date" column)."""
        t = type(v)
        if t is str:
            return self._text(ref, style, v, bold)
        if t is int:
            return f'<c r="{ref}"{style} t="n"><v>{v}</v></c>'
        if t is Decimal or t is float:
            if v != v or v in (float("inf"), float("-inf")):  # NaN, infinity: an empty number, as openpyxl
                return f'<c r="{ref}"{style} t="n"><v></v></c>'
            return f'<c r="{ref}"{style} t="n"><v>{"%.16g" % v}</v></c>'  # noqa: UP031 — openpyxl's own number format
        if t is Fraction:
            d = round(Decimal(v.numerator) / Decimal(v.denominator), 6)
            return f'<c r="{ref}"{style} t="n"><v>{"%.16g" % d}</v></c>'  # noqa: UP031 — openpyxl's own number format
        if t is bool:
            return f'<c r="{ref}"{style} t="b"><v>{int(v)}</v></c>'
        if isinstance(v, (datetime, date, time)):
            return self._moment(ref, kind, style, v, bold)
        if isinstance(v, int):  # int subclasses (IntegerChoices)
            return f'<c r="{ref}"{style} t="n"><v>{int(v)}</v></c>'
        return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_escape(_clean(str(v)))}</t></is></c>'

    def _text(self, ref: str, style: str, v: str, bold: bool) -> str:
        v = _clean(v)
        if v.startswith(FORMULA_PREFIXES):
            style = self._style(None, bold, quote=True)
        elif v.strip() != v and v.strip():
            return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{_escape(v)}</t></is></c>'
        return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_escape(v)}</t></is></c>'

    def _moment(self, ref: str, kind: str, style: str, v, bold: bool) -> str:
        """A date, time or datetime as Excel's serial number: a date in a "date" column, else with a format of its
        own kind; an aware datetime in the current time zone."""
        if isinstance(v, datetime):
            if timezone.is_aware(v):
                v = timezone.make_naive(v)
            if kind == "date":
                v = v.date()
        if kind != "date":
            fmt = "yyyy-mm-dd" if type(v) is date else ("h:mm:ss" if type(v) is time else "yyyy-mm-dd h:mm:ss")
            style = self._style(fmt, bold)
        return f'<c r="{ref}"{style} t="n"><v>{"%.16g" % to_excel(v)}</v></c>'  # noqa: UP031 — openpyxl's own number format


def _setup_sheet(ws, columns):
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_head(exporter, ws, sheet):
    """Title, 填报单位/date and header rows (rows 1..HEADER_ROW) through openpyxl."""
    ncols = len(sheet.columns)
    title = WriteOnlyCell(ws, exporter.title + (f"（{sheet.heading}）" if sheet.heading else ""))
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.append([title])
    meta_left = _text_cell(ws, f"填报单位：{exporter.unit_name}" + (f"　{exporter.scope_label}"
                                                                 if exporter.scope_label else ""))
    meta_right = WriteOnlyCell(ws, f"日期：{exporter.date_label}")
    meta_right.alignment = Alignment(horizontal="right")
    ws.append([meta_left] + [None] * max(ncols - 2, 0) + ([meta_right] if ncols > 1 else []))
    header = []
    for col in sheet.columns:
        cell = WriteOnlyCell(ws, col.full_title)
        cell.font = Font(bold=True)
        cell.fill = _header_fill
        cell.border = _border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    if ncols > 1:
        ws.merged_cells.add(f"A1:{get_column_letter(ncols)}1")
        if ncols > 3:
            ws.merged_cells.add(f"A2:{get_column_letter(ncols - 2)}2")


def write_xlsx(exporter, target, progress=None) -> None:
    """Write every sheet of `exporter` to `target` (a path or a binary file). `progress(done, total)` is called as
    rows are written. Rows are consumed once, as they are written (a sheet with a totals row is listed first to
    find its last row)."""
    wb = Workbook(write_only=True)
    sheets = list(exporter.sheets())
    used: set = set()
    pending = []  # (worksheet, sheet, formatter)
    for sheet in sheets:
        ws = wb.create_sheet(sheet_title(sheet.name, used))
        _setup_sheet(ws, sheet.columns)
        _write_head(exporter, ws, sheet)
        pending.append((ws, sheet, _RowFormatter(ws, sheet.columns)))
    skeleton = io.BytesIO()
    wb.save(skeleton)  # every part but the data rows; assigns the worksheets' part names
    parts = {ws.path.lstrip("/"): (sheet, fmt) for ws, sheet, fmt in pending}

    total = sum(s.count for s in sheets) or 1
    counter = {"done": 0, "step": max(1, total // 100)}

    def rows_xml(sheet, fmt):
        rows = list(sheet.rows) if sheet.total_row else sheet.rows
        last = len(rows) - 1 if sheet.total_row else -1
        r = HEADER_ROW
        buf = []
        for i, values in enumerate(rows):
            r += 1
            buf.append(fmt.row(r, values, bold=(i == last)))
            counter["done"] += 1
            if progress is not None and counter["done"] % counter["step"] == 0:
                progress(counter["done"], total)
            if len(buf) >= FLUSH_ROWS:
                yield "".join(buf).encode()
                buf = []
        if sheet.notes:
            r += 1  # an empty row before the notes
        for note in sheet.notes:
            r += 1
            buf.append(fmt.row(r, [f"注：{note}"] + [None] * (len(fmt.kinds) - 1)) if fmt.kinds else "")
        if buf:
            yield "".join(buf).encode()

    skeleton.seek(0)
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename not in parts:
                out.writestr(info, data)
                continue
            sheet, fmt = parts[info.filename]
            cut = data.rfind(b"</sheetData>")
            if cut < 0:
                raise RuntimeError(f"{info.filename}: no sheetData in openpyxl's worksheet")
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w") as fh:
                fh.write(data[:cut])
                for chunk in rows_xml(sheet, fmt):
                    fh.write(chunk)
                fh.write(data[cut:])
    if progress is not None:
        progress(total, total)
