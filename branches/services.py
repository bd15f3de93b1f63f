"""Write paths of the branches app: the org-tree import (one validation path for the command and the web page) and
the people/roles changes of the 人员角色 page. Every write runs in one transaction and is audited.

Org import, in two steps:
- `parse_org_workbook(fileobj)` reads and validates a workbook and compares it with the database. It writes
  nothing. The returned `OrgImportPlan` lists what would be created, updated (field by field) and left unchanged —
  or every problem found, each with its row and column, in Chinese.
- `apply_org_import(plan, *, actor)` re-checks the plan against the database inside one transaction and applies
  it: all or nothing, one audit entry per created or updated org plus one for the import.
"""
from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from audit.services import record
from branches.models import Org, OrgKind, Role, RoleAssignment, Sector
from core.logins import require_password_change

# ---------------------------------------------------------------------------------------------------------------
# Org import
# ---------------------------------------------------------------------------------------------------------------

COL_CODE, COL_NAME, COL_KIND, COL_PARENT = "组织编码", "组织名称", "组织类型", "上级组织编码"
COL_SECTOR, COL_SECRETARY, COL_MEMBERS, COL_RECRUITS = "所属领域", "书记", "党员人数", "近三年发展党员数"
ORG_COLUMNS = [COL_CODE, COL_NAME, COL_KIND, COL_PARENT, COL_SECTOR, COL_SECRETARY, COL_MEMBERS, COL_RECRUITS]
ORG_EXAMPLE_ROW = ["1001", "示范镇党委", "党委", "", "", "张三", 35, 2]

KIND_BY_LABEL = {label: value for value, label in OrgKind.choices}
# Field of Org → column name, in the order changes are shown.
FIELD_LABELS = {
    "name": COL_NAME, "kind": COL_KIND, "parent": COL_PARENT, "sector": COL_SECTOR,
    "secretary": COL_SECRETARY, "member_count": COL_MEMBERS, "recruits_3y": COL_RECRUITS,
}
MAX_LENGTH = {COL_CODE: 64, COL_NAME: 200, COL_SECRETARY: 50}
MAX_DATA_ROWS = 50_000
HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
MAX_DEPTH = Org._meta.get_field("path").max_length // Org.steplen
MAX_STEP = len(Org.alphabet) ** Org.steplen - 1


@dataclass(frozen=True)
class ImportProblem:
    """One problem of an import file: the Excel row (None for the whole file), the column ("" if none), the text."""

    row: int | None
    column: str
    message: str

    @property
    def text(self):
        where = []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"「{self.column}」")
        return ("".join(where) + "：" if where else "") + self.message

    def __str__(self):
        return self.text


class OrgImportError(Exception):
    """The import was refused; `problems` lists every reason. Nothing was saved."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(p.text for p in self.problems))


@dataclass(frozen=True)
class OrgRow:
    """One data row of the workbook, as read (before comparison with the database)."""

    row: int
    code: str
    name: str
    kind: str  # an OrgKind value
    parent_code: str  # "" for a root
    sector_name: str  # "" for none
    secretary: str
    member_count: int
    recruits_3y: int

    @property
    def kind_label(self):
        return OrgKind(self.kind).label if self.kind else ""


@dataclass
class OrgChange:
    """An existing org the import changes: before and after of the changed fields only (display values)."""

    code: str
    name: str
    row: int
    before: dict
    after: dict

    @property
    def changes(self):
        """[(column name, before, after)] in a stable order, for pages and the command."""
        return [(FIELD_LABELS[k], self.before[k], self.after[k]) for k in FIELD_LABELS if k in self.after]

    @property
    def moved(self):
        return "parent" in self.after


@dataclass
class OrgImportPlan:
    """What an import would do. `errors` non-empty ⇒ the file is refused and the lists are empty."""

    rows: list[OrgRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    created: list[OrgRow] = field(default_factory=list)
    updated: list[OrgChange] = field(default_factory=list)
    unchanged: list[OrgRow] = field(default_factory=list)
    # Filled by the comparison with the database, used by apply_org_import.
    _final_parent: dict = field(default_factory=dict, repr=False)
    _final_depth: dict = field(default_factory=dict, repr=False)
    _existing: dict = field(default_factory=dict, repr=False)
    _sectors: dict = field(default_factory=dict, repr=False)

    @property
    def ok(self):
        return not self.errors

    @property
    def summary(self):
        return f"新增 {len(self.created)} 个、更新 {len(self.updated)} 个、未变 {len(self.unchanged)} 个"


@dataclass(frozen=True)
class OrgImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def summary(self):
        return f"新增 {self.created} 个、更新 {self.updated} 个、未变 {self.unchanged} 个"


def _text(value) -> str:
    """A cell as trimmed text; integral numbers without a trailing '.0' (codes typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _count(value, row, column, problems) -> int:
    """A non-negative integer cell; blank counts as 0. Appends a problem and returns 0 when invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal, str)):
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            d = None
        if d is not None and d.is_finite() and d == d.to_integral_value():
            number = int(d)
    if number is None:
        problems.append(ImportProblem(row, column, f"应为整数，实际为“{_text(value)}”。"))
        return 0
    if number < 0:
        problems.append(ImportProblem(row, column, f"不能为负数（{number}）。"))
        return 0
    if number > 2_000_000_000:
        problems.append(ImportProblem(row, column, f"数值过大（{number}）。"))
        return 0
    return number


def _open_sheet(fileobj):
    """The first (active) worksheet of an .xlsx, or raise OrgImportError saying the file is not a workbook."""
    import openpyxl

    try:
        if isinstance(fileobj, (str, bytes)) or hasattr(fileobj, "__fspath__"):
            with open(fileobj, "rb") as fh:
                data = fh.read()
        else:
            if hasattr(fileobj, "seek"):
                fileobj.seek(0)
            data = fileobj.read()
    except OSError as exc:
        raise OrgImportError([ImportProblem(None, "", f"无法读取文件：{exc.strerror or exc}。")])
    not_workbook = ImportProblem(None, "", "文件不是有效的 Excel 工作簿（.xlsx）。如是 .xls 或 .csv 文件，请在 Excel 中另存为 .xlsx 后再导入。")
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise OrgImportError([not_workbook])
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.active if wb.active is not None else (wb.worksheets[0] if wb.worksheets else None)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors) for a bad file
        raise OrgImportError([not_workbook])
    if ws is None or not hasattr(ws, "iter_rows"):
        raise OrgImportError([ImportProblem(None, "", "工作簿中没有可读取的工作表。")])
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers store wrong dimensions; read every cell there is
    return ws


def _read_rows(fileobj) -> tuple[list[OrgRow], list[ImportProblem]]:
    """Every data row of the workbook and the problems found in the file alone (no database)."""
    ws = _open_sheet(fileobj)
    problems: list[ImportProblem] = []
    try:
        limit = MAX_DATA_ROWS + HEADER_SEARCH_ROWS + 2  # one more than allowed, to tell "too many"
        raw = list(enumerate(itertools.islice(ws.iter_rows(min_row=1, values_only=True), limit), start=1))
    except Exception:
        raise OrgImportError([ImportProblem(None, "", "文件不是有效的 Excel 工作簿（.xlsx），无法读取工作表内容。")])
    nonblank = [(i, r) for i, r in raw if any(_text(v) for v in r)]
    if not nonblank:
        raise OrgImportError([ImportProblem(None, "", "工作表是空的：没有表头，也没有数据行。")])

    header_row, header = nonblank[0]
    for i, r in nonblank[:HEADER_SEARCH_ROWS]:
        if COL_CODE in {_text(v) for v in r}:
            header_row, header = i, r
            break
    index: dict[str, int] = {}
    for pos, v in enumerate(header):
        name = _text(v)
        if name in ORG_COLUMNS:
            if name in index:
                problems.append(ImportProblem(header_row, name, "表头中出现了两次。"))
            else:
                index[name] = pos
    missing = [c for c in ORG_COLUMNS if c not in index]
    if missing:
        problems.append(ImportProblem(
            header_row, "、".join(missing),
            f"表头缺少列：{'、'.join(missing)}。表头须包含：{'、'.join(ORG_COLUMNS)}（顺序不限）。"))
    if problems:
        raise OrgImportError(problems)

    data = [(i, r) for i, r in nonblank if i > header_row]
    if not data:
        raise OrgImportError([ImportProblem(None, "", "工作表中只有表头，没有数据行。")])
    if len(data) > MAX_DATA_ROWS:
        raise OrgImportError([ImportProblem(None, "", f"数据行过多（超过 {MAX_DATA_ROWS} 行），请分批导入。")])

    rows: list[OrgRow] = []
    first_row_of: dict[str, int] = {}
    for i, r in data:
        def cell(col, r=r):
            pos = index[col]
            return r[pos] if pos < len(r) else None

        code, name = _text(cell(COL_CODE)), _text(cell(COL_NAME))
        kind_text, parent = _text(cell(COL_KIND)), _text(cell(COL_PARENT))
        sector, secretary = _text(cell(COL_SECTOR)), _text(cell(COL_SECRETARY))
        if not code:
            problems.append(ImportProblem(i, COL_CODE, "不能为空。"))
        elif code in first_row_of:
            problems.append(ImportProblem(i, COL_CODE, f"组织编码“{code}”与第{first_row_of[code]}行重复。"))
        else:
            first_row_of[code] = i
        if not name:
            problems.append(ImportProblem(i, COL_NAME, "不能为空。"))
        for col, value in ((COL_CODE, code), (COL_NAME, name), (COL_SECRETARY, secretary)):
            if len(value) > MAX_LENGTH[col]:
                problems.append(ImportProblem(i, col, f"不能超过 {MAX_LENGTH[col]} 个字（现有 {len(value)} 个）。"))
        kind = KIND_BY_LABEL.get(kind_text, "")
        if not kind:
            problems.append(ImportProblem(i, COL_KIND, (f"未知的组织类型“{kind_text}”" if kind_text else "不能为空")
                                          + "，应为：党委、党总支、党支部。"))
        elif not sector and kind != OrgKind.COMMITTEE:
            problems.append(ImportProblem(
                i, COL_SECTOR, f"{kind_text}必须填写所属领域（只有党委可以不填）。"))
        members = _count(cell(COL_MEMBERS), i, COL_MEMBERS, problems)
        recruits = _count(cell(COL_RECRUITS), i, COL_RECRUITS, problems)
        rows.append(OrgRow(row=i, code=code, name=name, kind=kind, parent_code=parent, sector_name=sector,
                           secretary=secretary, member_count=members, recruits_3y=recruits))
    return rows, problems


def _org_display(*, name, kind, parent, sector, secretary, member_count, recruits_3y) -> dict:
    return {"name": name, "kind": OrgKind(kind).label if kind else "", "parent": parent or "", "sector": sector or "",
            "secretary": secretary, "member_count": member_count, "recruits_3y": recruits_3y}


def _compare(rows: list[OrgRow], problems: list[ImportProblem]) -> OrgImportPlan:
    """Check `rows` against the database (sectors, parents, cycles) and sort them into created / updated /
    unchanged. Reads the database with two queries and writes nothing."""
    problems = list(problems)
    sectors = {s.name: s for s in Sector.objects.all()}
    existing = {
        o["code"]: o
        for o in Org.objects.values(
            "id", "code", "path", "depth", "numchild", "name", "kind", "sector__name", "secretary",
            "member_count", "recruits_3y",
        )
    }
    code_by_path = {o["path"]: c for c, o in existing.items()}
    # First row of each code (duplicates are already reported).
    by_code: dict[str, OrgRow] = {}
    for r in rows:
        if r.code and r.code not in by_code:
            by_code[r.code] = r

    for r in rows:
        if r.sector_name and r.sector_name not in sectors:
            problems.append(ImportProblem(
                r.row, COL_SECTOR, f"未知的所属领域“{r.sector_name}”，应为：{'、'.join(sectors)}。"))
        if r.parent_code and r.parent_code not in by_code and r.parent_code not in existing:
            problems.append(ImportProblem(
                r.row, COL_PARENT, f"上级组织编码“{r.parent_code}”在文件和系统中都不存在。"))

    def db_parent(code):
        o = existing[code]
        return code_by_path.get(o["path"][: -Org.steplen]) if o["depth"] > 1 else None

    def final_parent(code):
        """The parent after the import; None for a root or an unknown parent (already reported)."""
        if code in by_code:
            p = by_code[code].parent_code
            return p if p and (p in by_code or p in existing) else None
        return db_parent(code) if code in existing else None

    # Cycles: walk up from every code of the file; a code met twice on one walk closes a cycle.
    state: dict[str, int] = {}  # 1 on the current walk, 2 done
    seen_cycles = set()
    for start in by_code:
        walk, node = [], start
        while node is not None and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = final_parent(node)
        if node is not None and state.get(node) == 1:
            cycle = walk[walk.index(node):]
            key = frozenset(cycle)
            if key not in seen_cycles:
                seen_cycles.add(key)
                in_file = sorted((by_code[c].row, c) for c in cycle if c in by_code)
                rows_text = "、".join(str(row) for row, _ in in_file)
                chain = " → ".join([*cycle, cycle[0]])
                problems.append(ImportProblem(
                    in_file[0][0], COL_PARENT,
                    f"上级关系构成循环：{chain}（涉及第{rows_text}行）。"))
        for n in walk:
            state[n] = 2

    plan = OrgImportPlan(rows=rows)
    if not problems:
        depth: dict[str, int] = {}
        for start in by_code:
            chain, node = [], start
            while node is not None and node not in depth:
                chain.append(node)
                node = final_parent(node)
            d = depth[node] if node is not None else 0
            for n in reversed(chain):
                d += 1
                depth[n] = d
        for code, r in by_code.items():
            if depth[code] > MAX_DEPTH:
                problems.append(ImportProblem(r.row, COL_PARENT, f"组织层级过深（第 {depth[code]} 级，最多 {MAX_DEPTH} 级）。"))
        plan._final_depth = depth

    if problems:
        plan.errors = sorted(problems, key=lambda p: (p.row or 0, ORG_COLUMNS.index(p.column)
                                                        if p.column in ORG_COLUMNS else -1))
        return plan

    plan._final_parent = {code: final_parent(code) for code in by_code}
    plan._existing = existing
    plan._sectors = sectors
    for code, r in by_code.items():
        after = _org_display(name=r.name, kind=r.kind, parent=r.parent_code, sector=r.sector_name,
                             secretary=r.secretary, member_count=r.member_count, recruits_3y=r.recruits_3y)
        if code not in existing:
            plan.created.append(r)
            continue
        o = existing[code]
        before = _org_display(name=o["name"], kind=o["kind"], parent=db_parent(code), sector=o["sector__name"],
                              secretary=o["secretary"], member_count=o["member_count"],
                              recruits_3y=o["recruits_3y"])
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            plan.updated.append(OrgChange(code=code, name=r.name, row=r.row,
                                          before={k: before[k] for k in changed},
                                          after={k: after[k] for k in changed}))
        else:
            plan.unchanged.append(r)
    return plan


def parse_org_workbook(fileobj) -> OrgImportPlan:
    """Read an org-tree workbook (SPEC §10) and compare it with the database, writing nothing.

    `fileobj` is a path or a binary file object. Never raises for a bad file: the plan's `errors` then lists
    every problem (row, column, Chinese text) and the created/updated/unchanged lists are empty."""
    try:
        rows, problems = _read_rows(fileobj)
    except OrgImportError as exc:
        return OrgImportPlan(errors=exc.problems)
    return _compare(rows, problems)


def _audit_fields(r: OrgRow) -> dict:
    return _org_display(name=r.name, kind=r.kind, parent=r.parent_code, sector=r.sector_name,
                        secretary=r.secretary, member_count=r.member_count, recruits_3y=r.recruits_3y)


def apply_org_import(plan: OrgImportPlan, *, actor) -> OrgImportResult:
    """Apply a valid plan in one transaction: create new orgs (parents first), update changed ones (moving a
    subtree when its parent changed), leave every org not in the file alone. The plan is re-checked against the
    database first; any problem raises OrgImportError and nothing is saved. Audits every created and updated org
    (before/after) and the import as a whole."""
    if plan.errors:
        raise OrgImportError(plan.errors)
    with transaction.atomic():
        fresh = _compare(plan.rows, [])
        if fresh.errors:
            raise OrgImportError(fresh.errors)
        _create_orgs(fresh)
        _update_orgs(fresh)
        ids = dict(Org.objects.filter(code__in=[r.code for r in fresh.created]).values_list("code", "id"))
        for r in fresh.created:
            record(actor=actor, action="新增党组织", object_type="branches.org", object_id=ids[r.code],
                   object_repr=r.name, after=_audit_fields(r), reason="Excel 导入")
        for ch in fresh.updated:
            record(actor=actor, action="修改党组织", object_type="branches.org",
                   object_id=fresh._existing[ch.code]["id"], object_repr=ch.name, before=ch.before,
                   after=ch.after, reason="Excel 导入")
        result = OrgImportResult(len(fresh.created), len(fresh.updated), len(fresh.unchanged))
        record(actor=actor, action="导入党组织", object_type="branches.org_import", object_id="",
               object_repr=f"导入 {len(fresh.rows)} 行", after={"新增": result.created, "更新": result.updated,
                                                              "未变": result.unchanged})
    return result


def _create_orgs(plan: OrgImportPlan):
    """Insert the new orgs with computed tree paths (parents first, bulk insert), and count them as children of
    their existing parents. Existing orgs keep their paths."""
    if not plan.created:
        return
    existing = plan._existing
    last_step: dict[str, int] = {}  # parent path ("" for roots) → last child step in use
    for o in existing.values():
        parent_path = o["path"][: -Org.steplen]
        step = Org._str2int(o["path"][-Org.steplen:])
        if step > last_step.get(parent_path, 0):
            last_step[parent_path] = step
    new_nodes: dict[str, Org] = {}
    grown: dict[str, int] = {}  # existing parent code → children added
    for r in sorted(plan.created, key=lambda r: (plan._final_depth[r.code], r.row)):
        parent = plan._final_parent[r.code]
        if parent is None:
            parent_path, depth = "", 1
        elif parent in new_nodes:
            parent_path, depth = new_nodes[parent].path, new_nodes[parent].depth + 1
            new_nodes[parent].numchild += 1
        else:
            parent_path, depth = existing[parent]["path"], existing[parent]["depth"] + 1
            grown[parent] = grown.get(parent, 0) + 1
        step = last_step.get(parent_path, 0) + 1
        if step > MAX_STEP:
            raise OrgImportError([ImportProblem(r.row, COL_PARENT, "同一上级下的下级组织过多，无法再添加。")])
        last_step[parent_path] = step
        new_nodes[r.code] = Org(
            code=r.code, name=r.name, kind=r.kind, sector=plan._sectors.get(r.sector_name),
            secretary=r.secretary, member_count=r.member_count, recruits_3y=r.recruits_3y,
            path=Org._get_path(parent_path, depth, step), depth=depth, numchild=0,
        )
    Org.objects.bulk_create(new_nodes.values(), batch_size=500)
    for code, n in grown.items():
        Org.objects.filter(pk=existing[code]["id"]).update(numchild=F("numchild") + n)


def _update_orgs(plan: OrgImportPlan):
    """Write changed facts in bulk, then move re-parented subtrees, shallowest first (so no move ever targets a
    node that is, at that moment, below the moving one)."""
    by_code = {r.code: r for r in plan.rows if r.code}
    facts = [ch for ch in plan.updated if set(ch.after) - {"parent"}]
    if facts:
        objs = []
        for ch in facts:
            r = by_code[ch.code]
            objs.append(Org(pk=plan._existing[ch.code]["id"], name=r.name, kind=r.kind,
                            sector=plan._sectors.get(r.sector_name), secretary=r.secretary,
                            member_count=r.member_count, recruits_3y=r.recruits_3y))
        Org.objects.bulk_update(objs, ["name", "kind", "sector", "secretary", "member_count", "recruits_3y"],
                                batch_size=500)
    moves = sorted((ch for ch in plan.updated if ch.moved), key=lambda ch: plan._final_depth[ch.code])
    for ch in moves:
        node = Org.objects.get(code=ch.code)
        parent = plan._final_parent[ch.code]
        if parent is None:
            last_root = Org.objects.get_root_nodes().exclude(pk=node.pk).last()
            Org.objects.move(node, last_root, "last-sibling")
        else:
            Org.objects.move(node, Org.objects.get(code=parent), "last-child")


def org_template_workbook() -> bytes:
    """An .xlsx with the import header row, one example row and a sheet explaining the allowed values."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "党组织"
    ws.append(ORG_COLUMNS)
    ws.append(ORG_EXAMPLE_ROW)
    ws.append(["1001-01", "示范镇示范村党支部", "党支部", "1001", "村", "李四", 28, 1])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (14, 26, 10, 14, 22, 10, 10, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    notes.append([COL_CODE, "必填，全县唯一；再次导入时按组织编码更新已有党组织。"])
    notes.append([COL_NAME, "必填。"])
    notes.append([COL_KIND, "必填：党委、党总支、党支部。"])
    notes.append([COL_PARENT, "上级党组织的组织编码；最上一级党组织留空。行的先后顺序不限。"])
    notes.append([COL_SECTOR, "党总支、党支部必填；可选：" + "、".join(Sector.objects.values_list("name", flat=True))])
    notes.append([COL_SECRETARY, "选填。"])
    notes.append([COL_MEMBERS, "非负整数，留空按 0。"])
    notes.append([COL_RECRUITS, "非负整数，留空按 0；为 0 的定级对象列入三年未发展党员名单。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# People and roles
# ---------------------------------------------------------------------------------------------------------------


class PeopleError(Exception):
    """A people/role change was refused; the message says why in Chinese. Nothing was saved."""


def _role_text(role, org):
    return Role(role).label + (f" · {org.name}（{org.code}）" if org is not None else "")


def create_user(*, actor, username: str, full_name: str, password: str):
    """Create a login (用户名, 姓名, 初始密码) without any role. Validates the password with the site's rules; the
    user must change it at the first login."""
    User = get_user_model()
    username, full_name = (username or "").strip(), (full_name or "").strip()
    if not username:
        raise PeopleError("请填写用户名。")
    if len(username) > 150:
        raise PeopleError("用户名不能超过 150 个字符。")
    if not full_name:
        raise PeopleError("请填写姓名。")
    if User.objects.filter(username__iexact=username).exists():
        raise PeopleError(f"用户名“{username}”已存在。")
    candidate = User(username=username, first_name=full_name)
    try:
        User._meta.get_field("username").run_validators(username)
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise PeopleError("；".join(exc.messages))
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, first_name=full_name[:150])
        require_password_change(user)
        record(actor=actor, action="新建用户", obj=user, object_repr=f"{full_name}（{username}）",
               after={"username": username, "name": full_name})
    return user


def assign_role(*, actor, user, role: str, org_code: str = ""):
    """Give `user` a role: staff (no org), or reviewer/secretary of the org with `org_code`. Audited."""
    if role not in Role.values:
        raise PeopleError("请选择角色。")
    org = None
    org_code = (org_code or "").strip()
    if role == Role.STAFF:
        if RoleAssignment.objects.filter(user=user, role=Role.STAFF).exists():
            raise PeopleError(f"{user.username} 已经是组织部工作人员。")
    else:
        if not org_code:
            raise PeopleError(f"{Role(role).label}必须填写党组织的组织编码。")
        org = Org.objects.filter(code=org_code).first()
        if org is None:
            raise PeopleError(f"组织编码“{org_code}”不存在。")
        if role == Role.REVIEWER and org.kind == OrgKind.BRANCH:
            raise PeopleError(f"{org.name}是党支部，没有下级党组织可评定：上级党组织评定人只能分配到党委或党总支。")
        if RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
            raise PeopleError(f"{user.username} 已经是{org.name}的{Role(role).label}。")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, role=role, org=org)
            record(actor=actor, action="分配角色", obj=assignment,
                   object_repr=f"{user.get_full_name() or user.username}：{_role_text(role, org)}",
                   before=None, after={"user": user.username, "role": Role(role).label,
                                       "org": org.code if org else ""})
    except IntegrityError:
        raise PeopleError("该角色已分配，请刷新页面。")
    return assignment


def remove_role(*, actor, assignment_id):
    """Remove one role assignment. A staff member cannot remove their own staff role (so someone always can
    manage people). Audited."""
    assignment = RoleAssignment.objects.select_related("user", "org").filter(pk=assignment_id).first()
    if assignment is None:
        raise PeopleError("该角色分配不存在，可能已被移除。")
    if assignment.role == Role.STAFF and assignment.user_id == getattr(actor, "pk", None):
        raise PeopleError("不能移除自己的组织部工作人员角色。")
    user, org = assignment.user, assignment.org
    with transaction.atomic():
        record(actor=actor, action="移除角色", obj=assignment,
               object_repr=f"{user.get_full_name() or user.username}：{_role_text(assignment.role, org)}",
               before={"user": user.username, "role": assignment.get_role_display(), "org": org.code if org else ""},
               after=None)
        assignment.delete()


def reset_password(*, actor, user, password: str):
    """Set a new password for `user`. Only a superuser may reset a superuser's password. Audited (without the
    password itself)."""
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        raise PeopleError("只有超级管理员可以重置超级管理员的密码。")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise PeopleError("；".join(exc.messages))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        require_password_change(user)
        record(actor=actor, action="重置密码", obj=user, object_repr=user.get_full_name() or user.username,
               before={"password": "（旧密码）"}, after={"password": "（已重置）"})
