"""Org-tree workbooks built in the test (SPEC §10 header), never binary fixtures."""
import io

import openpyxl

HEADER = ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属领域", "书记", "党员人数", "近三年发展党员数"]


def org_row(code, name, kind="党支部", parent="", sector="村", secretary="某书记", members=20, recruits=1):
    return [code, name, kind, parent, sector, secretary, members, recruits]


def xlsx(rows, header=HEADER, title_rows=()):
    """An in-memory .xlsx: optional title rows, the header, then `rows` (lists in header order)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for t in title_rows:
        ws.append(t)
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "orgs.xlsx"
    return buf


def small_county_rows():
    """A root committee, two townships, villages (one 总支 with branches) and an agency committee."""
    return [
        org_row("C", "测试县委", "党委", "", ""),
        org_row("T1", "东镇党委", "党委", "C", ""),
        org_row("T2", "西镇党委", "党委", "C", ""),
        org_row("V1", "东一村党总支", "党总支", "T1", "村"),
        org_row("V1-1", "东一村第一党支部", "党支部", "V1", "村"),
        org_row("V2", "东二村党支部", "党支部", "T1", "村", recruits=0),
        org_row("S1", "西镇社区党支部", "党支部", "T2", "社区"),
        org_row("A", "县直机关工委", "党委", "C", "机关事业单位"),
        org_row("A1", "财政局党支部", "党支部", "A", "机关事业单位", members=12),
    ]
