"""Workbook builders for the setup tests: rubric workbooks are made here with openpyxl."""
import io

from openpyxl import Workbook

HEADER = ["指标", "指标分值", "细则", "细则分值", "评分说明"]

# A valid rubric: the standard 7 indicators, 15/10/15/10/10/25/15, 2 criteria each; 指标分值 on the first row only.
GOOD_ROWS = []
for name, maximum in [("党组织带头人", 15), ("工作思路", 10), ("工作制度", 15), ("活动阵地", 10), ("保障机制", 10),
                      ("工作业绩", 25), ("群众反映", 15)]:
    half = maximum / 2
    first = int(half) if half == int(half) else half
    GOOD_ROWS.append([name, maximum, f"{name}细则一", first, f"{name}细则一的评分说明"])
    GOOD_ROWS.append([name, None, f"{name}细则二", maximum - first, ""])


def workbook_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    if header is not None:
        ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_file(tmp_path, rows, header=HEADER, name="rubric.xlsx"):
    path = tmp_path / name
    path.write_bytes(workbook_bytes(rows, header))
    return path


def good_rows():
    return [list(r) for r in GOOD_ROWS]
