"""The org-tree import service: every bad workbook is refused with row and column named and nothing saved; good
workbooks create, update and move orgs in one transaction, audited."""
import io
import random
import time
import zipfile
from dataclasses import replace

import pytest

from audit.models import AuditEntry
from branches.models import Org, OrgKind
from branches.services import OrgImportError, apply_org_import, parse_org_workbook
from core.workbook import ORG_TREE
from tests.branches.workbooks import HEADER, org_row, small_county_rows, xlsx
from tests.core.zips import SHEET, declared_size


def parent_codes():
    """{code: parent code or None} of every org in the database."""
    by_path = dict(Org.objects.values_list("path", "code"))
    return {code: by_path.get(path[:-Org.steplen]) for path, code in by_path.items()}


def import_rows(rows, actor=None):
    plan = parse_org_workbook(xlsx(rows))
    assert plan.ok, [p.text for p in plan.errors]
    return apply_org_import(plan, actor=actor)


def refused(rows=None, *, file=None):
    """Parse a bad file: assert it is refused and nothing is saved; return the problem texts."""
    orgs_before = list(Org.objects.order_by("path").values_list("code", "path", "name"))
    audits_before = AuditEntry.objects.count()
    plan = parse_org_workbook(file if file is not None else xlsx(rows))
    assert not plan.ok
    assert not plan.created and not plan.updated and not plan.unchanged
    with pytest.raises(OrgImportError):
        apply_org_import(plan, actor=None)
    assert list(Org.objects.order_by("path").values_list("code", "path", "name")) == orgs_before
    assert AuditEntry.objects.count() == audits_before
    return [p.text for p in plan.errors]


# --- good files ---------------------------------------------------------------------------------------------


def test_import_creates_the_tree_with_facts_and_audits(sectors, staff):
    result = import_rows(small_county_rows(), actor=staff)
    assert (result.created, result.updated, result.unchanged) == (9, 0, 0)
    assert result.summary == "新增 9 个、更新 0 个、未变 0 个"
    codes = parent_codes()
    assert codes["C"] is None and codes["V1-1"] == "V1" and codes["A1"] == "A" and codes["T1"] == "C"
    v2 = Org.objects.get(code="V2")
    assert (v2.kind, v2.sector.name, v2.recruits_3y, v2.secretary) == (OrgKind.BRANCH, "村", 0, "某书记")
    assert Org.objects.get(code="C").sector is None
    assert Org.objects.get(code="C").numchild == 3
    assert Org.objects.find_problems() == ([], [], [], [], [])
    created = AuditEntry.objects.filter(action="新增党组织")
    assert created.count() == 9
    entry = created.get(object_repr="东二村党支部")
    assert entry.actor == staff and entry.before is None
    assert entry.after["parent"] == "T1" and entry.after["sector"] == "村" and entry.after["kind"] == "党支部"
    assert AuditEntry.objects.filter(action="导入党组织").count() == 1


def test_import_under_an_existing_tree(tree, sectors):
    """New orgs may hang under orgs that exist only in the database; the existing tree is left alone."""
    before = dict(Org.objects.values_list("code", "path"))
    result = import_rows([org_row("vil-9", "九村党支部", parent="town-b"),
                          org_row("vil-9-x", "九村党小组支部", parent="vil-9")])
    assert result.created == 2
    assert dict(Org.objects.filter(code__in=before).values_list("code", "path")) == before
    assert parent_codes()["vil-9"] == "town-b" and parent_codes()["vil-9-x"] == "vil-9"
    assert Org.objects.get(code="town-b").numchild == 2
    assert Org.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_rows_in_any_order_build_the_same_tree(sectors, seed):
    rows = small_county_rows()
    random.Random(seed).shuffle(rows)
    import_rows(rows)
    assert parent_codes() == {
        "C": None, "T1": "C", "T2": "C", "V1": "T1", "V1-1": "V1", "V2": "T1", "S1": "T2", "A": "C", "A1": "A",
    }
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_header_order_free_extra_columns_ignored_title_row_and_numeric_codes(sectors):
    header = ["备注", "近三年发展党员数", "党员人数", "书记", "所属领域", "上级组织编码", "组织类型", "组织名称", "组织编码"]
    rows = [["根", 0, 3, "王", None, None, "党委", "测试县委", 1001],
            ["", "2", "15", "李", "村", 1001, "党支部", "某村党支部", 1002.0]]
    plan = parse_org_workbook(xlsx(rows, header=header, title_rows=[["某县党组织名册"]]))
    assert plan.ok, [p.text for p in plan.errors]
    apply_org_import(plan, actor=None)
    child = Org.objects.get(code="1002")
    assert (child.member_count, child.recruits_3y, child.secretary) == (15, 2, "李")
    assert parent_codes()["1002"] == "1001"


def test_blank_counts_mean_zero(sectors):
    import_rows([org_row("C", "县委", "党委", "", "", members=None, recruits=None)])
    assert Org.objects.get(code="C").member_count == 0


def test_reimport_updates_facts_moves_subtree_and_leaves_others_alone(sectors, staff):
    import_rows(small_county_rows())
    import_rows([org_row("X", "另一个县委", "党委", "", "")])
    rows = small_county_rows()
    rows[3] = org_row("V1", "东一村党总支（新）", "党总支", "T2", "村", secretary="新书记")  # moved to T2, renamed
    rows = [r for r in rows if r[0] != "S1"]  # S1 not in the file: left alone
    plan = parse_org_workbook(xlsx(rows))
    assert plan.ok
    assert [c.code for c in plan.updated] == ["V1"]
    change = plan.updated[0]
    assert change.before == {"name": "东一村党总支", "parent": "T1", "secretary": "某书记"}
    assert change.after == {"name": "东一村党总支（新）", "parent": "T2", "secretary": "新书记"}
    assert ("上级组织编码", "T1", "T2") in change.changes
    assert len(plan.unchanged) == 7 and not plan.created
    result = apply_org_import(plan, actor=staff)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 7)
    codes = parent_codes()
    assert codes["V1"] == "T2" and codes["V1-1"] == "V1" and codes["S1"] == "T2" and codes["X"] is None
    v1 = Org.objects.get(code="V1")
    assert v1.name == "东一村党总支（新）" and v1.secretary == "新书记"
    assert Org.objects.get(code="V1-1").depth == 4
    assert Org.objects.find_problems() == ([], [], [], [], [])
    entry = AuditEntry.objects.get(action="修改党组织")
    assert entry.actor == staff and entry.before["parent"] == "T1" and entry.after["parent"] == "T2"


def test_reimport_of_the_same_file_changes_nothing(sectors):
    import_rows(small_county_rows())
    paths = dict(Org.objects.values_list("code", "path"))
    result = import_rows(small_county_rows())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 9)
    assert dict(Org.objects.values_list("code", "path")) == paths
    assert AuditEntry.objects.filter(action="修改党组织").count() == 0


def test_reimport_can_invert_parent_and_child(sectors):
    """T1 under C, V1 under T1 → V1 becomes a root holding T1: the moves run in an order that never puts a node
    under its own descendant."""
    import_rows(small_county_rows())
    rows = [org_row("V1", "东一村党总支", "党委", "", ""), org_row("T1", "东镇党委", "党委", "V1", "")]
    import_rows(rows)
    codes = parent_codes()
    assert codes["V1"] is None and codes["T1"] == "V1" and codes["V1-1"] == "V1" and codes["V2"] == "T1"
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_reimport_moves_existing_org_under_a_new_one_and_adds_under_moved(sectors):
    import_rows(small_county_rows())
    rows = [org_row("T3", "南镇党委", "党委", "C", ""),
            org_row("V2", "东二村党支部", "党支部", "T3", "村", recruits=0),
            org_row("V1-2", "东一村第二党支部", "党支部", "V1", "村"),
            org_row("V1", "东一村党总支", "党总支", "T3", "村")]
    result = import_rows(rows)
    assert (result.created, result.updated) == (2, 2)
    codes = parent_codes()
    assert codes["T3"] == "C" and codes["V2"] == "T3" and codes["V1"] == "T3" and codes["V1-2"] == "V1"
    assert codes["V1-1"] == "V1"
    assert Org.objects.find_problems() == ([], [], [], [], [])


def test_apply_rechecks_the_database(sectors, staff):
    """A plan made before the parent disappeared is refused at apply time, and nothing is saved."""
    import_rows([org_row("C", "县委", "党委", "", "")])
    plan = parse_org_workbook(xlsx([org_row("V", "村党支部", parent="C"), org_row("W", "另村党支部", parent="C")]))
    assert plan.ok
    Org.objects.get(code="C").delete()
    audits = AuditEntry.objects.count()
    with pytest.raises(OrgImportError) as exc:
        apply_org_import(plan, actor=staff)
    assert "第2行「上级组织编码」" in str(exc.value) and "“C”" in str(exc.value)
    assert not Org.objects.filter(code__in=["C", "V", "W"]).exists()
    assert AuditEntry.objects.count() == audits


def test_parse_reads_the_database_in_a_fixed_number_of_queries(sectors, django_assert_max_num_queries):
    import_rows(small_county_rows())
    rows = small_county_rows() + [org_row(f"N{i}", f"新{i}党支部", parent="T1") for i in range(300)]
    with django_assert_max_num_queries(2):
        plan = parse_org_workbook(xlsx(rows))
    assert plan.ok and len(plan.created) == 300


def test_two_thousand_rows_import_quickly(sectors):
    rows = [org_row("R", "县委", "党委", "", "")]
    for t in range(20):
        rows.append(org_row(f"T{t}", f"{t}镇党委", "党委", "R", ""))
        for v in range(99):
            rows.append(org_row(f"T{t}-{v}", f"{t}镇{v}村党支部", parent=f"T{t}"))
    random.Random(7).shuffle(rows)
    assert len(rows) == 1 + 20 * 100
    book = xlsx(rows)
    started = time.perf_counter()
    plan = parse_org_workbook(book)
    parsed = time.perf_counter()
    result = apply_org_import(plan, actor=None)
    done = time.perf_counter()
    print(f"\n2001 rows: parse {parsed - started:.2f}s, apply {done - parsed:.2f}s")
    assert result.created == 2001
    assert Org.objects.find_problems() == ([], [], [], [], [])
    assert done - started < 30
    # Re-import of the same 2,001 rows: all unchanged.
    started = time.perf_counter()
    again = apply_org_import(parse_org_workbook(xlsx(rows)), actor=None)
    print(f"2001 rows re-import: {time.perf_counter() - started:.2f}s")
    assert again.unchanged == 2001


# --- bad files: each refused with row and column, nothing saved ----------------------------------------------


def test_missing_header_columns_are_named(sectors):
    header = [h for h in HEADER if h not in ("所属领域", "党员人数")]
    problems = refused(file=xlsx([["C", "县委", "党委", "", "", 0]], header=header))
    assert len(problems) == 1
    assert "第1行" in problems[0] and "所属领域" in problems[0] and "党员人数" in problems[0]
    assert "缺少" in problems[0]


def test_blank_code(sectors):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("", "无码党支部", parent="C")])
    assert problems == ["第3行「组织编码」：不能为空。"]


def test_blank_name(sectors):
    problems = refused([org_row("C", "", "党委", "", "")])
    assert problems == ["第2行「组织名称」：不能为空。"]


def test_duplicate_code_names_both_rows(sectors):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("V", "一村", parent="C"),
                        org_row("V", "二村", parent="C")])
    assert problems == ["第4行「组织编码」：组织编码“V”与第3行重复。"]


def test_unknown_parent(sectors):
    problems = refused([org_row("V", "一村党支部", parent="NOPE")])
    assert problems == ["第2行「上级组织编码」：上级组织编码“NOPE”在文件和系统中都不存在。"]


def test_cycle_names_the_codes(sectors):
    problems = refused([org_row("A", "甲党委", "党委", "B", ""), org_row("B", "乙党委", "党委", "A", "")])
    assert len(problems) == 1
    assert problems[0].startswith("第2行「上级组织编码」：上级关系构成循环：")
    assert "A → B → A" in problems[0] and "第2、3行" in problems[0]


def test_self_parent_is_a_cycle(sectors):
    problems = refused([org_row("A", "甲党委", "党委", "A", "")])
    assert problems == ["第2行「上级组织编码」：上级关系构成循环：A → A（涉及第2行）。"]


def test_cycle_through_an_org_only_in_the_database(sectors):
    """T1 (file) under V1-1, while V1-1 is in the database under V1 under T1: a cycle via the database."""
    import_rows(small_county_rows())
    problems = refused([org_row("T1", "东镇党委", "党委", "V1-1", "")])
    assert len(problems) == 1 and "第2行「上级组织编码」" in problems[0]
    assert "T1" in problems[0] and "V1" in problems[0] and "V1-1" in problems[0]


def test_unknown_kind(sectors):
    problems = refused([org_row("C", "县委", "党工委", "", "")])
    assert problems == ["第2行「组织类型」：未知的组织类型“党工委”，应为：党委、党总支、党支部。"]


def test_unknown_sector(sectors):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("V", "一村", parent="C", sector="农村")])
    assert len(problems) == 1
    assert problems[0].startswith("第3行「所属领域」：未知的所属领域“农村”")


@pytest.mark.parametrize("kind", ["党总支", "党支部"])
def test_blank_sector_below_a_committee(sectors, kind):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("V", "一村", kind, "C", "")])
    assert problems == [f"第3行「所属领域」：{kind}必须填写所属领域（只有党委可以不填）。"]


@pytest.mark.parametrize("column,value,fragment", [
    ("党员人数", "十二", "应为整数，实际为“十二”"),
    ("党员人数", 12.5, "应为整数，实际为“12.5”"),
    ("近三年发展党员数", -1, "不能为负数"),
    ("近三年发展党员数", "-3", "不能为负数"),
])
def test_bad_counts(sectors, column, value, fragment):
    row = org_row("C", "县委", "党委", "", "")
    row[HEADER.index(column)] = value
    problems = refused([row])
    assert len(problems) == 1
    assert problems[0].startswith(f"第2行「{column}」：") and fragment in problems[0]


def test_text_file_is_not_a_workbook(db):
    problems = refused(file=io.BytesIO("组织编码,组织名称\nC,县委\n".encode()))
    assert problems == ["文件不是有效的 Excel 工作簿（.xlsx）。如是 .xls 或 .csv 文件，请在 Excel 中另存为 .xlsx 后再导入。"]


def test_zip_that_is_not_a_workbook(db):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    problems = refused(file=buf)
    assert "不是有效的 Excel 工作簿" in problems[0]


def test_empty_file_and_empty_workbook(db):
    assert "不是有效的 Excel 工作簿" in refused(file=io.BytesIO(b""))[0]
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    assert refused(file=buf) == ["工作表是空的：没有表头，也没有数据行。"]


def test_header_without_data_rows(db):
    assert refused(file=xlsx([])) == ["工作表中只有表头，没有数据行。"]


def test_every_problem_is_listed_at_once(sectors):
    problems = refused([
        org_row("C", "县委", "党委", "", ""),
        org_row("V", "", "支部", "C", "村"),             # row 3: blank name, unknown kind
        org_row("V", "重复", parent="ZZ", sector="火星"),  # row 4: duplicate, unknown parent, unknown sector
        org_row("W", "某支部", parent="C", sector="", members=-2),  # row 5: blank sector, negative count
    ])
    joined = "\n".join(problems)
    for fragment in ["第3行「组织名称」", "第3行「组织类型」", "第4行「组织编码」：组织编码“V”与第3行重复",
                     "第4行「上级组织编码」", "第4行「所属领域」：未知的所属领域“火星”",
                     "第5行「所属领域」", "第5行「党员人数」"]:
        assert fragment in joined
    assert len(problems) == 7
    # sorted by row
    assert [p[:3] for p in problems] == sorted(p[:3] for p in problems)


# --- caps: the org-tree row of the cap table (core.workbook), checked before the workbook is parsed -------------


def test_a_file_over_50_mb_is_refused_by_its_size(db):
    problems = refused(file=io.BytesIO(b"PK\x03\x04" + bytes(50 * 1024 * 1024)))
    assert problems == ["文件过大（超过 50 MB）：组织树工作簿最大 50 MB，请分批导入。"]


def test_a_workbook_declaring_more_than_300_mb_decompressed_is_refused(db):
    bomb = declared_size(xlsx([org_row("C", "县委", "党委", "", "")]).getvalue(), SHEET, 301 * 1024 * 1024)
    assert refused(file=io.BytesIO(bomb)) == [
        "工作簿解压后过大（超过 300 MB）：组织树工作簿解压后最大 300 MB。请删去多余的工作表、图片或格式，或分批导入。"]


def test_more_rows_than_the_cap_are_refused(sectors, monkeypatch):
    """The import passes its caps to the reader (the cap itself, 500,000 rows, is pinned with the README table)."""
    from branches import services

    monkeypatch.setattr(services, "ORG_TREE", replace(ORG_TREE, rows=3))
    rows = [org_row("C", "县委", "党委", "", "")] + [org_row(f"V{n}", f"{n}村", parent="C") for n in range(3)]
    assert refused(rows) == ["数据行过多（超过 3 行）：组织树工作簿最多 3 行，请分批导入。"]
    assert parse_org_workbook(xlsx(rows[:3])).ok


def test_a_header_with_spaces_and_full_width_letters_is_found(sectors):
    header = [f" {h} " if n % 2 else h.replace("组织", "组织　") for n, h in enumerate(HEADER)]
    plan = parse_org_workbook(xlsx([org_row("C", "县委", "党委", "", "")], header=header))
    assert plan.ok, [p.text for p in plan.errors]
