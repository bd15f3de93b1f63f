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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from audit.services import record
from branches.codes import MAX_CODE_LENGTH, code_problem
from branches.models import Org, OrgKind, Role, RoleAssignment, Sector
from core.logins import require_password_change
from core.workbook import ORG_TREE, Problem, Row, WorkbookError, cell_text, read_table

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
MAX_LENGTH = {COL_CODE: MAX_CODE_LENGTH, COL_NAME: 200, COL_SECRETARY: 50}
MAX_DEPTH = Org._meta.get_field("path").max_length // Org.steplen
MAX_STEP = len(Org.alphabet) ** Org.steplen - 1


@dataclass(frozen=True)
class ImportProblem(Problem):
    """A problem of an org import file (row None for the whole file, column "" if none), worded as the import
    page's error table and the command have always shown it: 第3行「组织编码」：…"""

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


def _as_integer(value) -> int | None:
    """An integral cell value as an int (12, 12.0, "12"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return int(d) if d.is_finite() and d == d.to_integral_value() else None


def _count(value, row, column, problems) -> int:
    """A non-negative integer cell; blank counts as 0. Appends a problem and returns 0 when invalid."""
    if not cell_text(value):
        return 0
    number = _as_integer(value)
    if number is None:
        problem = f"应为整数，实际为“{cell_text(value)}”。"
    elif number < 0:
        problem = f"不能为负数（{number}）。"
    elif number > 2_000_000_000:
        problem = f"数值过大（{number}）。"
    else:
        return number
    problems.append(ImportProblem(row, column, problem))
    return 0


def _check_code(r: Row, code: str, first_row_of: dict[str, int], problems):
    if not code:
        problems.append(ImportProblem(r.number, COL_CODE, "不能为空。"))
    elif code in first_row_of:
        problems.append(ImportProblem(r.number, COL_CODE, f"组织编码“{code}”与第{first_row_of[code]}行重复。"))
    else:
        first_row_of[code] = r.number


def _check_lengths(r: Row, problems):
    for col in MAX_LENGTH:
        value = r.text(col)
        if len(value) > MAX_LENGTH[col]:
            problems.append(ImportProblem(r.number, col, f"不能超过 {MAX_LENGTH[col]} 个字（现有 {len(value)} 个）。"))


def _org_kind(r: Row, problems) -> str:
    """The OrgKind value of the row's 组织类型 ("" with a problem when unknown), checking its 所属领域 too."""
    kind_text = r.text(COL_KIND)
    kind = KIND_BY_LABEL.get(kind_text, "")
    if not kind:
        problems.append(ImportProblem(r.number, COL_KIND, (f"未知的组织类型“{kind_text}”" if kind_text else "不能为空")
                                      + "，应为：党委、党总支、党支部。"))
    elif not r.text(COL_SECTOR) and kind != OrgKind.COMMITTEE:
        problems.append(ImportProblem(r.number, COL_SECTOR, f"{kind_text}必须填写所属领域（只有党委可以不填）。"))
    return kind


def _org_row(r: Row, first_row_of: dict[str, int], problems) -> OrgRow:
    """One data row read and checked on its own (problems appended); duplicates are found through `first_row_of`."""
    code, name = r.text(COL_CODE), r.text(COL_NAME)
    _check_code(r, code, first_row_of, problems)
    if not name:
        problems.append(ImportProblem(r.number, COL_NAME, "不能为空。"))
    _check_lengths(r, problems)
    kind = _org_kind(r, problems)
    members = _count(r[COL_MEMBERS], r.number, COL_MEMBERS, problems)
    recruits = _count(r[COL_RECRUITS], r.number, COL_RECRUITS, problems)
    return OrgRow(row=r.number, code=code, name=name, kind=kind, parent_code=r.text(COL_PARENT),
                  sector_name=r.text(COL_SECTOR), secretary=r.text(COL_SECRETARY), member_count=members,
                  recruits_3y=recruits)


def _read_rows(fileobj) -> tuple[list[OrgRow], list[ImportProblem]]:
    """Every data row of the workbook and the problems found in the file alone (no database)."""
    try:
        table = read_table(fileobj, columns=ORG_COLUMNS, caps=ORG_TREE)
    except WorkbookError as exc:
        raise OrgImportError([ImportProblem(p.row, p.column, p.message) for p in exc.problems])
    problems: list[ImportProblem] = []
    first_row_of: dict[str, int] = {}
    rows = [_org_row(r, first_row_of, problems) for r in table.rows]
    return rows, problems


def _org_display(*, name, kind, parent, sector, secretary, member_count, recruits_3y) -> dict:
    return {"name": name, "kind": OrgKind(kind).label if kind else "", "parent": parent or "", "sector": sector or "",
            "secretary": secretary, "member_count": member_count, "recruits_3y": recruits_3y}


class _Tree:
    """The org tree as the import would leave it: the file's rows over the database's orgs (read with two queries)."""

    def __init__(self, rows: list[OrgRow]):
        self.sectors = {s.name: s for s in Sector.objects.all()}
        self.existing = {
            o["code"]: o
            for o in Org.objects.values(
                "id", "code", "path", "depth", "numchild", "name", "kind", "sector__name", "secretary",
                "member_count", "recruits_3y",
            )
        }
        self.code_by_path = {o["path"]: c for c, o in self.existing.items()}
        self.by_code: dict[str, OrgRow] = {}  # first row of each code (duplicates are already reported)
        for r in rows:
            if r.code and r.code not in self.by_code:
                self.by_code[r.code] = r

    def known(self, code) -> bool:
        return code in self.by_code or code in self.existing

    def db_parent(self, code):
        o = self.existing[code]
        return self.code_by_path.get(o["path"][: -Org.steplen]) if o["depth"] > 1 else None

    def final_parent(self, code):
        """The parent after the import; None for a root or an unknown parent (already reported)."""
        if code in self.by_code:
            p = self.by_code[code].parent_code
            return p if p and self.known(p) else None
        return self.db_parent(code) if code in self.existing else None


def _code_problems(rows: list[OrgRow], tree: _Tree) -> list[ImportProblem]:
    """Codes that break the rule of branches.codes. A code already in the database is accepted as it is (codes
    saved before the rule keep working, so an exported tree can be imported again); empty and over-long codes are
    reported by the row checks already."""
    problems = []
    for r in rows:
        if r.code and len(r.code) <= MAX_CODE_LENGTH and r.code not in tree.existing:
            problem = code_problem(r.code)
            if problem:
                problems.append(ImportProblem(r.row, COL_CODE, problem + "。"))
    return problems


def _reference_problems(rows: list[OrgRow], tree: _Tree) -> list[ImportProblem]:
    """Unknown sectors and parents."""
    problems = []
    for r in rows:
        if r.sector_name and r.sector_name not in tree.sectors:
            problems.append(ImportProblem(
                r.row, COL_SECTOR, f"未知的所属领域“{r.sector_name}”，应为：{'、'.join(tree.sectors)}。"))
        if r.parent_code and not tree.known(r.parent_code):
            problems.append(ImportProblem(
                r.row, COL_PARENT, f"上级组织编码“{r.parent_code}”在文件和系统中都不存在。"))
    return problems


def _cycle_problem(tree: _Tree, cycle: list[str]) -> ImportProblem:
    in_file = sorted((tree.by_code[c].row, c) for c in cycle if c in tree.by_code)
    rows_text = "、".join(str(row) for row, _ in in_file)
    chain = " → ".join([*cycle, cycle[0]])
    return ImportProblem(in_file[0][0], COL_PARENT, f"上级关系构成循环：{chain}（涉及第{rows_text}行）。")


def _cycle_problems(tree: _Tree) -> list[ImportProblem]:
    """One problem per cycle of parents: walk up from every code of the file; a code met twice on one walk closes
    a cycle."""
    problems = []
    state: dict[str, int] = {}  # 1 on the current walk, 2 done
    seen_cycles = set()
    for start in tree.by_code:
        walk, node = [], start
        while node is not None and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = tree.final_parent(node)
        if node is not None and state.get(node) == 1:
            cycle = walk[walk.index(node):]
            if frozenset(cycle) not in seen_cycles:
                seen_cycles.add(frozenset(cycle))
                problems.append(_cycle_problem(tree, cycle))
        for n in walk:
            state[n] = 2
    return problems


def _final_depths(tree: _Tree) -> dict[str, int]:
    """The depth after the import of every code of the file (and of the database orgs above them)."""
    depth: dict[str, int] = {}
    for start in tree.by_code:
        chain, node = [], start
        while node is not None and node not in depth:
            chain.append(node)
            node = tree.final_parent(node)
        d = depth[node] if node is not None else 0
        for n in reversed(chain):
            d += 1
            depth[n] = d
    return depth


def _depth_problems(tree: _Tree, depth: dict[str, int]) -> list[ImportProblem]:
    return [ImportProblem(r.row, COL_PARENT, f"组织层级过深（第 {depth[code]} 级，最多 {MAX_DEPTH} 级）。")
            for code, r in tree.by_code.items() if depth[code] > MAX_DEPTH]


def _in_file_order(problems: list[ImportProblem]) -> list[ImportProblem]:
    """By row, then by column in header order (whole-file problems first)."""
    return sorted(problems, key=lambda p: (p.row or 0, ORG_COLUMNS.index(p.column) if p.column in ORG_COLUMNS else -1))


def _sort_into(plan: OrgImportPlan, tree: _Tree):
    """Fill the plan's created / updated (changed fields only) / unchanged lists."""
    for code, r in tree.by_code.items():
        if code not in tree.existing:
            plan.created.append(r)
            continue
        after = _audit_fields(r)
        o = tree.existing[code]
        before = _org_display(name=o["name"], kind=o["kind"], parent=tree.db_parent(code), sector=o["sector__name"],
                              secretary=o["secretary"], member_count=o["member_count"],
                              recruits_3y=o["recruits_3y"])
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            plan.updated.append(OrgChange(code=code, name=r.name, row=r.row,
                                          before={k: before[k] for k in changed},
                                          after={k: after[k] for k in changed}))
        else:
            plan.unchanged.append(r)


def _compare(rows: list[OrgRow], problems: list[ImportProblem]) -> OrgImportPlan:
    """Check `rows` against the database (sectors, parents, cycles, depth) and sort them into created / updated /
    unchanged. Reads the database with two queries and writes nothing."""
    tree = _Tree(rows)
    problems = [*problems, *_code_problems(rows, tree), *_reference_problems(rows, tree), *_cycle_problems(tree)]
    plan = OrgImportPlan(rows=rows)
    if not problems:
        plan._final_depth = _final_depths(tree)
        problems = _depth_problems(tree, plan._final_depth)
    if problems:
        plan.errors = _in_file_order(problems)
        return plan
    plan._final_parent = {code: tree.final_parent(code) for code in tree.by_code}
    plan._existing = tree.existing
    plan._sectors = tree.sectors
    _sort_into(plan, tree)
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


def _update_facts(plan: OrgImportPlan):
    """Write the changed facts (name, kind, sector, secretary, counts) of the updated orgs in bulk."""
    by_code = {r.code: r for r in plan.rows if r.code}
    objs = []
    for ch in plan.updated:
        if set(ch.after) - {"parent"}:
            r = by_code[ch.code]
            objs.append(Org(pk=plan._existing[ch.code]["id"], name=r.name, kind=r.kind,
                            sector=plan._sectors.get(r.sector_name), secretary=r.secretary,
                            member_count=r.member_count, recruits_3y=r.recruits_3y))
    if objs:
        Org.objects.bulk_update(objs, ["name", "kind", "sector", "secretary", "member_count", "recruits_3y"],
                                batch_size=500)


def _move_subtrees(plan: OrgImportPlan):
    """Move re-parented subtrees, shallowest first (so no move ever targets a node that is, at that moment, below
    the moving one)."""
    moves = sorted((ch for ch in plan.updated if ch.moved), key=lambda ch: plan._final_depth[ch.code])
    for ch in moves:
        node = Org.objects.get(code=ch.code)
        parent = plan._final_parent[ch.code]
        if parent is None:
            last_root = Org.objects.get_root_nodes().exclude(pk=node.pk).last()
            Org.objects.move(node, last_root, "last-sibling")
        else:
            Org.objects.move(node, Org.objects.get(code=parent), "last-child")


def _update_orgs(plan: OrgImportPlan):
    """Write changed facts in bulk, then move re-parented subtrees."""
    _update_facts(plan)
    _move_subtrees(plan)


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
    for letter, width in zip("ABCDEFGH", (14, 26, 10, 14, 22, 10, 10, 16), strict=True):
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


def _role_org(*, user, role: str, org_code: str):
    """The org a new `role` of `user` is tied to (None for staff), or PeopleError when it cannot be given."""
    if role == Role.STAFF:
        if RoleAssignment.objects.filter(user=user, role=Role.STAFF).exists():
            raise PeopleError(f"{user.username} 已经是组织部工作人员。")
        return None
    if not org_code:
        raise PeopleError(f"{Role(role).label}必须填写党组织的组织编码。")
    org = Org.objects.filter(code=org_code).first()
    if org is None:
        raise PeopleError(f"组织编码“{org_code}”不存在。")
    if role == Role.REVIEWER and org.kind == OrgKind.BRANCH:
        raise PeopleError(f"{org.name}是党支部，没有下级党组织可评定：上级党组织评定人只能分配到党委或党总支。")
    if RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
        raise PeopleError(f"{user.username} 已经是{org.name}的{Role(role).label}。")
    return org


def assign_role(*, actor, user, role: str, org_code: str = ""):
    """Give `user` a role: staff (no org), or reviewer/secretary of the org with `org_code`. Audited."""
    if role not in Role.values:
        raise PeopleError("请选择角色。")
    org = _role_org(user=user, role=role, org_code=(org_code or "").strip())
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
