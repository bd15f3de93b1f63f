"""The shared workbook reader: caps checked from the zip before parsing (bombs refused cheaply), header search,
cell text, Chinese problems naming row and column. Workbooks are built here, with openpyxl or zipfile."""
import io
import re
import time
import zipfile
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import openpyxl
import pytest

from core import workbook
from core.workbook import MB, Caps, Problem, WorkbookError, cell_text, read_table
from tests.core.zips import SHEET, declared_size, rewritten, shared_strings, with_shared_strings, xlsx_sheet

SMALL = Caps("测试工作簿", rows=5, file_bytes=1 * MB, unzipped_bytes=1 * MB, shared_strings=20)
COLUMNS = ["组织编码", "名称"]


def xlsx(*rows, sheets=None) -> bytes:
    """An .xlsx of `rows` on one sheet, or of {title: rows} `sheets` (the first one active)."""
    wb = openpyxl.Workbook()
    sheets = sheets or {"Sheet": rows}
    for n, (title, sheet_rows) in enumerate(sheets.items()):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = title
        for r in sheet_rows:
            ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def problems(data, columns=COLUMNS, caps=SMALL) -> list[str]:
    with pytest.raises(WorkbookError) as exc:
        read_table(io.BytesIO(data), columns=columns, caps=caps)
    return exc.value.messages


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook: the caps must refuse it first."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


GOOD = xlsx(["组织编码", "名称"], ["1001", "甲"], [1002.0, "乙"])


# --- good files ------------------------------------------------------------------------------------------------


def test_rows_below_the_header_with_raw_values_and_text():
    table = read_table(io.BytesIO(GOOD), columns=COLUMNS, caps=SMALL)
    assert (table.header_row, table.positions, table.letter("名称")) == (1, {"组织编码": 0, "名称": 1}, "B")
    assert [(r.number, r.text("组织编码"), r["名称"]) for r in table.rows] == [(2, "1001", "甲"), (3, "1002", "乙")]


def test_header_search_title_rows_order_extra_columns_spaces_and_full_width():
    data = xlsx(["某县名册"], [], ["备注", " 名 称 ", "组织　编码", "ＡＢ"], ["x", "甲", "1001"], [None, None, None, "y"],
                ["", "乙", 1002])
    table = read_table(io.BytesIO(data), columns=["组织编码", "名称", "AB"], caps=SMALL)
    assert table.header_row == 3 and table.positions == {"组织编码": 2, "名称": 1, "AB": 3}
    # blank in every read column → skipped; a value in a read column keeps the row
    assert [(r.number, r.text("组织编码"), r.text("AB")) for r in table.rows] == [(4, "1001", ""), (5, "", "y"),
                                                                                (6, "1002", "")]


def test_rows_blank_in_the_read_columns_are_skipped_even_with_other_columns_filled():
    data = xlsx(["组织编码", "名称", "备注"], ["1", "甲", ""], [None, None, "填表人：张三"])
    assert [r.number for r in read_table(io.BytesIO(data), columns=COLUMNS, caps=SMALL).rows] == [2]


def test_the_sheet_holding_the_header_is_found_when_the_active_one_does_not():
    data = xlsx(sheets={"填写说明": [["列", "说明"], ["组织编码", "必填"]], "党组织": [COLUMNS, ["1", "甲"]]})
    table = read_table(io.BytesIO(data), columns=COLUMNS, caps=SMALL)
    assert table.sheet == "党组织" and [r.text("名称") for r in table.rows] == ["甲"]


def test_a_path_is_read_and_a_file_object_is_left_open(tmp_path: Path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(GOOD)
    assert len(read_table(path, columns=COLUMNS, caps=SMALL).rows) == 2
    assert len(read_table(str(path), columns=COLUMNS, caps=SMALL).rows) == 2
    fh = io.BytesIO(GOOD)
    fh.read(7)  # read from its start whatever the position
    assert len(read_table(fh, columns=COLUMNS, caps=SMALL).rows) == 2
    assert not fh.closed


def test_a_missing_path_is_named():
    with pytest.raises(WorkbookError) as exc:
        read_table("/nonexistent/x.xlsx", columns=COLUMNS, caps=SMALL)
    assert exc.value.messages[0].startswith("无法读取文件：")


@pytest.mark.parametrize("value, text", [
    (None, ""), ("  甲 ", "甲"), (12, "12"), (12.0, "12"), (12.5, "12.5"), (True, "是"), (False, "否"),
    (datetime(2026, 3, 1), "2026-03-01"), (datetime(2026, 3, 1, 9, 30), "2026-03-01 09:30:00"),
    (date(2026, 3, 1), "2026-03-01"), (clock(9, 30), "09:30:00"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_dates_typed_in_cells_read_as_text():
    table = read_table(io.BytesIO(xlsx(COLUMNS, ["1", datetime(2026, 3, 1)])), columns=COLUMNS, caps=SMALL)
    assert table.rows[0].text("名称") == "2026-03-01"


def test_problem_text_names_row_and_column():
    assert Problem(12, "组织编码", "不能为空。").text == "第 12 行，“组织编码”列：不能为空。"
    assert Problem(3, "", "表头缺少列：名称。").text == "第 3 行：表头缺少列：名称。"
    assert Problem(None, "", "文件为空。").text == "文件为空。"


# --- wrong files -----------------------------------------------------------------------------------------------


def test_not_a_zip(no_parsing):
    assert problems("组织编码,名称\n1,甲\n".encode()) == [workbook.NOT_WORKBOOK]


def test_an_empty_file(no_parsing):
    assert problems(b"") == [workbook.EMPTY_FILE]


def test_a_zip_that_is_not_a_workbook(no_parsing):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    assert problems(buf.getvalue()) == [workbook.NOT_WORKBOOK]


def test_a_zip_cut_short():
    assert problems(GOOD[: len(GOOD) // 2]) == [workbook.NOT_WORKBOOK]


def test_wrong_header_names_the_missing_columns_and_the_row():
    assert problems(xlsx(["某县名册"], ["组织编码", "名字"], ["1", "甲"])) == [
        "第 2 行：表头缺少列：名称。表头须包含：组织编码、名称（顺序不限）。"]


def test_no_header_in_the_first_rows_names_the_first_row():
    assert problems(xlsx(["甲"], ["乙"])) == ["第 1 行：表头缺少列：组织编码、名称。表头须包含：组织编码、名称（顺序不限）。"]


def test_a_header_column_given_twice():
    assert problems(xlsx(["组织编码", "名称", "组织 编码"], ["1", "甲", "2"])) == [
        "第 1 行，“组织编码”列：表头中出现了两次（A 列、C 列）。"]


def test_an_empty_sheet_and_a_header_without_rows():
    assert problems(xlsx()) == [workbook.EMPTY_SHEET]
    assert problems(xlsx(COLUMNS, [None, "  "])) == [workbook.HEADER_ONLY]


# --- caps and bombs --------------------------------------------------------------------------------------------


def test_more_rows_than_the_cap():
    rows = [[str(n), "甲"] for n in range(6)]
    assert problems(xlsx(COLUMNS, *rows)) == ["数据行过多（超过 5 行）：测试工作簿最多 5 行，请分批导入。"]
    assert len(read_table(io.BytesIO(xlsx(COLUMNS, *rows[:5])), columns=COLUMNS, caps=SMALL).rows) == 5


def test_a_file_over_the_size_cap_is_refused_by_its_size(no_parsing):
    assert problems(GOOD + b"\0" * MB) == ["文件过大（超过 1 MB）：测试工作簿最大 1 MB，请分批导入。"]


def test_a_zip_bomb_is_refused_from_its_directory(no_parsing):
    """2 MB of zeros deflate to a few KB: small file, over the decompressed cap; never inflated."""
    bomb = rewritten(GOOD, {"xl/media/zeros.bin": b"\0" * (2 * MB)})
    assert len(bomb) < 50_000
    started = time.perf_counter()
    assert problems(bomb) == ["工作簿解压后过大（超过 1 MB）：测试工作簿解压后最大 1 MB。请删去多余的工作表、图片或格式，"
                              "或分批导入。"]
    assert time.perf_counter() - started < 1


def test_a_bomb_declaring_small_sizes_is_cut_at_the_declared_size_and_refused():
    """A directory that lies (a 2 MB sheet declared as 2 KB): zipfile never inflates past the declared size, the
    CRC check then fails, and the file is refused as unreadable."""
    rows = [[str(n), "甲" * 50] for n in range(5)]
    padded = rewritten(xlsx(COLUMNS, *rows), {SHEET: xlsx_sheet(COLUMNS, rows, padding=2 * MB)})
    forged = declared_size(padded, SHEET, 2_000)
    assert problems(forged, caps=Caps("测试", rows=5, file_bytes=MB, unzipped_bytes=MB, shared_strings=20))[0] in (
        workbook.NOT_WORKBOOK, workbook.UNREADABLE_SHEET)


def test_too_many_shared_strings(no_parsing):
    assert problems(with_shared_strings(GOOD, shared_strings(21))) == [
        "工作簿中的文字条目过多（超过 20 条）：测试工作簿最多 20 条不同的文字，请分批导入。"]


def test_too_many_shared_strings_behind_a_lying_count(no_parsing):
    assert problems(with_shared_strings(GOOD, shared_strings(21, declared=1)))[0].startswith("工作簿中的文字条目过多")


def test_a_declared_count_over_the_cap_is_refused_without_counting(no_parsing):
    assert problems(with_shared_strings(GOOD, shared_strings(1, declared=10**9)))[0].startswith("工作簿中的文字条目过多")


def test_shared_strings_without_declared_counts_are_counted(no_parsing):
    bare = re.sub(rb' (unique)?[cC]ount="\d+"', b"", shared_strings(21))
    assert b"ount=" not in bare
    assert problems(with_shared_strings(GOOD, bare))[0].startswith("工作簿中的文字条目过多")


def test_shared_strings_within_the_cap_pass():
    table = read_table(io.BytesIO(with_shared_strings(GOOD, shared_strings(20))), columns=COLUMNS, caps=SMALL)
    assert len(table.rows) == 2


def test_shared_strings_under_a_prefix_are_counted(no_parsing):
    """The namespace prefix is free in XML; the count goes by namespace, not by the text "<si"."""
    prefixed = shared_strings(21).replace(b"<si>", b"<x:si>").replace(b"</si>", b"</x:si>").replace(
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    assert problems(with_shared_strings(GOOD, prefixed))[0].startswith("工作簿中的文字条目过多")


def test_too_many_zip_entries(no_parsing, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ZIP_ENTRIES", 20)
    entries = {f"xl/media/image{n}.png": b"" for n in range(20)}
    assert problems(rewritten(GOOD, entries))[0].startswith(workbook.NOT_WORKBOOK)


def test_too_many_zip_entries_behind_a_lying_count(no_parsing, monkeypatch):
    """zipfile reads the directory by its size, not by the entry count of the end record: both are bounded."""
    monkeypatch.setattr(workbook, "MAX_ZIP_DIRECTORY_BYTES", 2_000)
    data = bytearray(rewritten(GOOD, {f"xl/media/image{n}.png": b"" for n in range(40)}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = b"\x01\x00\x01\x00"  # one entry on this disk, one in all
    assert problems(bytes(data))[0].startswith(workbook.NOT_WORKBOOK)


def test_a_row_number_past_excel_s_last_row_is_refused():
    """openpyxl fills the gap before a row with empty rows: a forged row number must not make it fill forever."""
    sheet = xlsx_sheet(COLUMNS, [["1", "甲"]]).replace(b"</sheetData>", b'<row r="2000000000"><c r="A2000000000" '
                                                               b't="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    started = time.perf_counter()
    assert problems(rewritten(GOOD, {SHEET: sheet})) == [workbook.UNREADABLE_SHEET]
    assert time.perf_counter() - started < 30


def test_the_caps_of_the_imports_are_the_readme_table():
    """README.md "Upload limits" and core.workbook.CAP_TABLE say the same."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Upload limits", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[1][:1].isdigit():
            table[cells[0]] = tuple(cells[1:])

    def figures(caps):
        return (f"{caps.rows:,}", f"{caps.file_bytes // MB} MB", f"{caps.unzipped_bytes // MB} MB",
                f"{caps.shared_strings:,}")

    assert table == {
        "org tree, scores": figures(workbook.ORG_TREE),
        "people, participants": figures(workbook.PEOPLE),
        "rubric": figures(workbook.RUBRIC),
    }
    assert figures(workbook.SCORES) == figures(workbook.ORG_TREE)
    assert set(workbook.CAP_TABLE) == {workbook.ORG_TREE, workbook.SCORES, workbook.PEOPLE, workbook.RUBRIC}
    assert re.search(r"at most 50 MB of a\s+file is stored", section)
    assert workbook.LARGEST_FILE_BYTES == 50 * MB
