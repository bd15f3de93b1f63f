"""The one reader of uploaded workbooks (org tree, rubric, offline scores): caps, header search, cell text.

`read_table(source, columns=…, caps=…)` returns the data rows below the header row of an .xlsx, or raises
`WorkbookError` whose problems say in Chinese what is wrong and where (「第 12 行，“组织编码”列：…」). In order:

1. The caps of `caps` are checked from the file and its zip entries before any XML is parsed: file size, number
   of zip entries, total decompressed size, number of shared strings. A zip bomb is refused by its declared sizes
   (Python's zipfile never inflates an entry past its declared size; a lie fails its CRC check).
2. The header row is searched in the first non-blank rows of the sheets (the active sheet first): the row holding
   every required column name, compared without spaces and with full-width letters folded (NFKC), order free,
   other columns ignored. A required name found twice, or missing, is a problem of the header row.
3. The rows below it are streamed (openpyxl read-only), kept only in the required columns; rows blank in all of
   them are skipped; more data rows than the cap is a problem.

What a cell means is the import's business: rows carry the raw values, and `cell_text` turns one into trimmed
text the same way for every import.
"""
from __future__ import annotations

import io
import os
import struct
import unicodedata
import zipfile
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from xml.etree import ElementTree
from xml.parsers import expat

MB = 1024 * 1024


@dataclass(frozen=True)
class Caps:
    """The limits of one kind of workbook; a file over any of them is refused before it is parsed."""

    name: str  # the workbook in messages: 「组织树工作簿」
    rows: int  # data rows below the header
    file_bytes: int
    unzipped_bytes: int  # all zip entries together, as declared in the zip's directory
    shared_strings: int  # distinct texts of the workbook (xl/sharedStrings.xml)


# The cap table; README.md "Upload limits" shows the same figures (a test compares them). PEOPLE is for lists of
# people or participants: no such import exists yet, its caps are decided already.
ORG_TREE = Caps("组织树工作簿", rows=500_000, file_bytes=50 * MB, unzipped_bytes=300 * MB, shared_strings=1_000_000)
SCORES = Caps("线下成绩工作簿", rows=500_000, file_bytes=50 * MB, unzipped_bytes=300 * MB, shared_strings=1_000_000)
PEOPLE = Caps("人员名单工作簿", rows=500_000, file_bytes=20 * MB, unzipped_bytes=100 * MB, shared_strings=1_000_000)
RUBRIC = Caps("评分标准工作簿", rows=2_000, file_bytes=2 * MB, unzipped_bytes=20 * MB, shared_strings=100_000)
CAP_TABLE = (ORG_TREE, SCORES, PEOPLE, RUBRIC)
LARGEST_FILE_BYTES = max(c.file_bytes for c in CAP_TABLE)

HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
HEADER_MAX_COLUMNS = 256  # required columns are looked for in A..IV (what .xls allowed)
EXCEL_MAX_ROWS = 1_048_576  # a row number past Excel's last row means a forged sheet
MAX_ZIP_ENTRIES = 10_000  # a workbook has a few dozen parts; hundreds with many images
MAX_ZIP_DIRECTORY_BYTES = 2 * MB  # what zipfile reads (the entry count may lie): ~10,000 entries of long names

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CONTENT_TYPES = "[Content_Types].xml"
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError,
              NotImplementedError)  # a missing entry, a broken or encrypted one, an unknown compression

NOT_WORKBOOK = "文件不是有效的 Excel 工作簿（.xlsx）。如是 .xls 或 .csv 文件，请在 Excel 中另存为 .xlsx 后再导入。"
EMPTY_FILE = "文件为空：不是有效的 Excel 工作簿（.xlsx），请上传填好的工作簿。"
UNREADABLE_SHEET = "文件不是有效的 Excel 工作簿（.xlsx），无法读取工作表内容。"
NO_SHEET = "工作簿中没有可读取的工作表。"
EMPTY_SHEET = "工作表是空的：没有表头，也没有数据行。"
HEADER_ONLY = "工作表中只有表头，没有数据行。"


@dataclass(frozen=True)
class Problem:
    """One problem of a workbook: the Excel row (None for the whole file), the column name ("" if none), the text."""

    row: int | None
    column: str
    message: str

    @property
    def text(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"第 {self.row} 行，“{self.column}”列：{self.message}"
        return f"第 {self.row} 行：{self.message}"

    def __str__(self):
        return self.text


class WorkbookError(Exception):
    """The workbook was refused; `problems` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.text for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [p.text for p in self.problems]


def _refuse(message: str):
    """Raise WorkbookError with one problem of the whole file."""
    raise WorkbookError([Problem(None, "", message)])


class Row:
    """A data row: its Excel row number and the raw values of the required columns (`row["组织编码"]`)."""

    __slots__ = ("number", "values", "_index")

    def __init__(self, number: int, values: tuple, index: dict[str, int]):
        self.number, self.values, self._index = number, values, index

    def __getitem__(self, column: str):
        return self.values[self._index[column]]

    def text(self, column: str) -> str:
        return cell_text(self[column])

    def __repr__(self):
        return f"Row({self.number}, {self.values!r})"


@dataclass
class Table:
    """The data of one sheet: where its header is, where each required column is, and the non-blank rows below."""

    sheet: str
    header_row: int
    positions: dict[str, int]  # required column → 0-based position in the sheet
    rows: list[Row]

    def letter(self, column: str) -> str:
        """The Excel letter of a required column ("A", "B", …, "AA")."""
        return column_letter(self.positions[column])


def column_letter(position: int) -> str:
    """The Excel letter of a 0-based column position."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value) -> str:
    """A cell as trimmed text, the same for every import: None → "", integral numbers without ".0" (codes typed as
    numbers), dates as 2026-03-01 (with the time only when it is not midnight), booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if value.time() == time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def header_key(value) -> str:
    """A header cell as compared with a column name: full-width folded (NFKC), every space removed."""
    return "".join(unicodedata.normalize("NFKC", cell_text(value)).split())


def _mb(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


# ---------------------------------------------------------------------------------------------------------------
# 1. The file and its zip entries, before parsing


@contextmanager
def _binary(source, limit: int):
    """`source` (a path or a binary file object) as a seekable binary file positioned at 0. A path is opened and
    closed here; a caller's file object is left open; a stream is read into memory, at most `limit` + 1 bytes."""
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        try:
            fh = open(source, "rb")
        except OSError as exc:
            _refuse(f"无法读取文件：{exc.strerror or exc}。")
        with fh:
            yield fh
        return
    try:
        source.seek(0)
        seekable = True
    except (AttributeError, OSError, io.UnsupportedOperation):
        seekable = False
    yield source if seekable else io.BytesIO(source.read(limit + 1))


def _file_size(fh) -> int:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    return size


def _declared_directory(fh, size: int) -> tuple[int, int] | None:
    """(entry count, directory bytes) of the zip's end-of-directory record, read before zipfile builds its
    directory (which costs memory per entry); None when there is no such record (not a zip)."""
    tail_size = min(size, 22 + 65_535)  # the record is 22 bytes plus a comment of at most 64 KB
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    fh.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10:at + 16])
    return entries, directory_bytes


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-strings entry named by [Content_Types].xml (where openpyxl will read it), or None."""
    try:
        with archive.open(CONTENT_TYPES) as src:
            for _, element in ElementTree.iterparse(src):
                if element.tag.endswith("Override") and element.get("ContentType") == SHARED_STRINGS_TYPE:
                    return element.get("PartName", "").lstrip("/")
                element.clear()
    except (*ZIP_ERRORS, ElementTree.ParseError):
        _refuse(NOT_WORKBOOK)
    return None


class _TooMany(Exception):
    pass


def _count_shared_strings(src, cap: int) -> int:
    """The number of strings of a shared-strings part: its declared uniqueCount when that is over the cap already,
    else its <si> elements counted by expat (no tree built), stopping at the first one over the cap."""
    count = 0

    def start(name, attrs):
        nonlocal count
        local = name.rpartition(" ")[2]
        declared = attrs.get("uniqueCount", "") if local == "sst" else ""
        if declared.isdigit() and int(declared) > cap:
            raise _TooMany
        if local == "si":
            count += 1
            if count > cap:
                raise _TooMany

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        parser.ParseFile(src)
    except _TooMany:
        return cap + 1
    except expat.ExpatError:
        _refuse(NOT_WORKBOOK)
    return count


def size_error(size: int, caps: Caps) -> str:
    """The message for a file larger than the cap table allows, else "" (upload forms check it before stashing)."""
    if size > caps.file_bytes:
        return f"文件过大（超过 {_mb(caps.file_bytes)}）：{caps.name}最大 {_mb(caps.file_bytes)}，请分批导入。"
    return ""


def check_file_size(size: int, caps: Caps) -> None:
    if message := size_error(size, caps):
        _refuse(message)


def _check_package(fh, caps: Caps):
    """Refuse a file over `caps` (size, entries, decompressed size, shared strings) or one that is not a zip."""
    size = _file_size(fh)
    if size == 0:
        _refuse(EMPTY_FILE)
    check_file_size(size, caps)
    directory = _declared_directory(fh, size)
    if directory is None:
        _refuse(NOT_WORKBOOK)
    if directory[0] >= MAX_ZIP_ENTRIES or directory[1] > MAX_ZIP_DIRECTORY_BYTES:
        _refuse(f"{NOT_WORKBOOK}（文件中的部件超过 {MAX_ZIP_ENTRIES} 个。）")
    try:
        archive = zipfile.ZipFile(fh)
    except ZIP_ERRORS:
        _refuse(NOT_WORKBOOK)
    with archive:
        _check_entries(archive, caps)


def _check_entries(archive: zipfile.ZipFile, caps: Caps):
    unzipped = sum(info.file_size for info in archive.infolist())
    if unzipped > caps.unzipped_bytes:
        _refuse(f"工作簿解压后过大（超过 {_mb(caps.unzipped_bytes)}）：{caps.name}解压后最大 "
                f"{_mb(caps.unzipped_bytes)}。请删去多余的工作表、图片或格式，或分批导入。")
    part = _shared_strings_part(archive)
    if part is None or part not in archive.NameToInfo:
        return
    try:
        with archive.open(part) as src:
            strings = _count_shared_strings(src, caps.shared_strings)
    except ZIP_ERRORS:
        _refuse(NOT_WORKBOOK)
    if strings > caps.shared_strings:
        _refuse(f"工作簿中的文字条目过多（超过 {caps.shared_strings} 条）：{caps.name}最多 {caps.shared_strings} "
                "条不同的文字，请分批导入。")


# ---------------------------------------------------------------------------------------------------------------
# 2. The header


@dataclass
class _Header:
    sheet: object
    row: int
    found: dict[str, list[int]]  # required column → positions where it appears

    def score(self):
        return len(self.found)


def _first_rows(sheet, limit: int):
    """(row number, values) of the first `limit` non-blank rows, in columns A..IV."""
    taken = 0
    rows = sheet.iter_rows(max_col=HEADER_MAX_COLUMNS, values_only=True)
    for number, values in enumerate(rows, start=1):
        if number > EXCEL_MAX_ROWS:
            break
        if any(cell_text(v) for v in values):
            yield number, values
            taken += 1
            if taken == limit:
                break


def _best_header(sheet, keys: dict[str, str]) -> _Header | None:
    """The row of the first non-blank rows holding the most required names (the earliest on a tie); None for an
    empty sheet."""
    best = None
    for number, values in _first_rows(sheet, HEADER_SEARCH_ROWS):
        found: dict[str, list[int]] = {}
        for pos, value in enumerate(values):
            column = keys.get(header_key(value))
            if column is not None:
                found.setdefault(column, []).append(pos)
        candidate = _Header(sheet, number, found)
        if best is None or candidate.score() > best.score():
            best = candidate
        if best.score() == len(keys):
            break
    return best


def _sheets(workbook) -> list:
    readable = [s for s in workbook.worksheets if hasattr(s, "iter_rows")]
    active = workbook.active
    if active in readable:
        readable.remove(active)
        readable.insert(0, active)
    return readable


def _find_header(workbook, columns: Sequence[str]) -> _Header:
    """The header of the first sheet holding every required column, or raise naming what is missing in the
    best-matching row (of the active sheet on a tie)."""
    keys = {header_key(c): c for c in columns}
    sheets = _sheets(workbook)
    if not sheets:
        _refuse(NO_SHEET)
    best = None
    for sheet in sheets:
        header = _best_header(sheet, keys)
        if header is not None and (best is None or header.score() > best.score()):
            best = header
        if best is not None and best.score() == len(keys):
            break
    if best is None:
        _refuse(EMPTY_SHEET)
    _check_header(best, columns)
    return best


def _check_header(header: _Header, columns: Sequence[str]):
    problems = [
        Problem(header.row, column, "表头中出现了两次（" + "、".join(f"{column_letter(p)} 列" for p in spots) + "）。")
        for column, spots in header.found.items() if len(spots) > 1
    ]
    missing = [c for c in columns if c not in header.found]
    if missing:
        problems.append(Problem(header.row, "", f"表头缺少列：{'、'.join(missing)}。"
                                                f"表头须包含：{'、'.join(columns)}（顺序不限）。"))
    if problems:
        raise WorkbookError(problems)


# ---------------------------------------------------------------------------------------------------------------
# 3. The data rows


def _non_blank(header: _Header, positions: list[int]):
    """(row number, values in `positions`) of the rows below the header not blank in all of them."""
    raw = header.sheet.iter_rows(min_row=header.row + 1, max_col=max(positions) + 1, values_only=True)
    for number, values in enumerate(raw, start=header.row + 1):
        if number > EXCEL_MAX_ROWS:
            _refuse(UNREADABLE_SHEET)
        kept = tuple(values[p] if p < len(values) else None for p in positions)
        if any(cell_text(v) for v in kept):
            yield number, kept


def _data_rows(header: _Header, columns: Sequence[str], caps: Caps) -> list[Row]:
    index = {c: i for i, c in enumerate(columns)}
    rows: list[Row] = []
    for number, kept in _non_blank(header, [header.found[c][0] for c in columns]):
        if len(rows) == caps.rows:
            _refuse(f"数据行过多（超过 {caps.rows} 行）：{caps.name}最多 {caps.rows} 行，请分批导入。")
        rows.append(Row(number, kept, index))
    if not rows:
        _refuse(HEADER_ONLY)
    return rows


def _load(fh):
    import openpyxl

    try:
        return openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors) for a bad file
        _refuse(NOT_WORKBOOK)


def read_table(source, *, columns: Sequence[str], caps: Caps) -> Table:
    """The data rows of a workbook with the required `columns`, checked against `caps` before parsing.

    `source` is a path or a binary file object (read from its start, left open). Raises WorkbookError with every
    problem of the header at once, or the first problem of the file otherwise."""
    with _binary(source, caps.file_bytes) as fh:
        _check_package(fh, caps)
        workbook = _load(fh)
        try:
            for sheet in workbook.worksheets:
                if hasattr(sheet, "reset_dimensions"):
                    sheet.reset_dimensions()  # some writers store wrong dimensions; read every cell there is
            header = _find_header(workbook, columns)
            rows = _data_rows(header, columns, caps)
        except WorkbookError:
            raise
        except Exception:  # a sheet's XML broken half-way
            _refuse(UNREADABLE_SHEET)
        finally:
            workbook.close()
    return Table(sheet=header.sheet.title, header_row=header.row,
                 positions={c: header.found[c][0] for c in columns}, rows=rows)
