"""Rubric versions (评分参考标准): import from a workbook, edit, freeze, copy.

One validation path serves the `import_rubric` command, the web import and the web editor: a rubric is read into
plain `IndicatorData`/`CriterionData` rows and checked by `validate_rubric()`; nothing is written unless the whole
rubric is valid, and every write is one transaction with one audit entry.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import record
from branches.models import Sector
from campaigns.models import Criterion, Indicator, RubricVersion
from core.workbook import RUBRIC, Row, WorkbookError, read_table

HUNDRED = Decimal("100")
TENTH = Decimal("0.1")

COL_INDICATOR = "指标"
COL_INDICATOR_MAX = "指标分值"
COL_CRITERION = "细则"
COL_CRITERION_MAX = "细则分值"
COL_GUIDANCE = "评分说明"
COLUMNS = [COL_INDICATOR, COL_INDICATOR_MAX, COL_CRITERION, COL_CRITERION_MAX, COL_GUIDANCE]

NAME_MAX = RubricVersion._meta.get_field("name").max_length
INDICATOR_NAME_MAX = Indicator._meta.get_field("name").max_length
CRITERION_TEXT_MAX = Criterion._meta.get_field("text").max_length


@dataclass
class CriterionData:
    text: str
    max_score: Decimal | None
    guidance: str = ""
    row: int | None = None  # workbook row, for messages
    pk: int | None = None  # existing criterion (editor)


@dataclass
class IndicatorData:
    name: str
    max_score: Decimal | None
    criteria: list[CriterionData] = field(default_factory=list)
    row: int | None = None  # first workbook row
    pk: int | None = None  # existing indicator (editor)

    @property
    def last_row(self):
        rows = [c.row for c in self.criteria if c.row] or [self.row]
        return max(rows)

    @property
    def criteria_total(self):
        return sum((c.max_score for c in self.criteria if c.max_score is not None), Decimal("0"))


def fmt(value: Decimal) -> str:
    """A score as people write it: 15, 7.5 (never 15.0 or 1E+1)."""
    text = format(value.quantize(TENTH), "f")
    return text[:-2] if text.endswith(".0") else text


def parse_score(value) -> tuple[Decimal | None, str | None]:
    """(score, None) for a valid maximum, (None, None) for a blank cell, (None, problem) otherwise.

    A valid maximum is a number > 0 and ≤ 100 with at most one decimal place."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, f"“{value}”不是数字"
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, f"“{value}”不是数字"
    if not number.is_finite():
        return None, f"“{value}”不是数字"
    if number <= 0:
        return None, f"分值 {value} 必须大于 0"
    if number > HUNDRED:
        return None, f"分值 {value} 不能超过 100"
    if number != number.quantize(TENTH):
        return None, f"分值 {value} 最多保留一位小数"
    return number.quantize(TENTH), None


# ---------------------------------------------------------------------------------------------------------------
# Validation shared by import and editor


class _Where:
    """Where a problem is, in messages: a workbook row and column when `columns` (name → letter) is given, else the
    indicator or criterion it concerns (editor)."""

    def __init__(self, columns: dict[str, str] | None):
        self.columns = columns

    def at(self, row, column, problem, subject=""):
        if self.columns and row:
            return f"第{row}行 {self.columns[column]}列（{column}）：{problem}"
        return f"{subject}：{problem}" if subject else problem


def _name_problems(ind: IndicatorData, subject: str, first_seen: dict, where: _Where) -> list[str]:
    """A blank, too long or repeated indicator name (`first_seen` collects the names seen so far)."""
    if not ind.name:
        return [where.at(ind.row, COL_INDICATOR, "指标名称为空", subject)]
    if len(ind.name) > INDICATOR_NAME_MAX:
        return [where.at(ind.row, COL_INDICATOR, f"指标名称超过 {INDICATOR_NAME_MAX} 个字", subject)]
    if ind.name in first_seen:
        earlier = first_seen[ind.name]
        place = f"第{earlier.row}行" if where.columns and earlier.row else "前面"
        return [where.at(ind.row, COL_INDICATOR,
                         f"指标“{ind.name}”与{place}的指标重名（同一指标的细则必须连续排列）", subject)]
    first_seen[ind.name] = ind
    return []


def _criteria_problems(ind: IndicatorData, subject: str, where: _Where) -> list[str]:
    """No criterion at all, or a criterion with a blank or too long text."""
    if not ind.criteria:
        return [where.at(ind.row, COL_CRITERION, "该指标没有任何细则", subject)]
    errors = []
    for j, crit in enumerate(ind.criteria, start=1):
        csubject = f"{subject}第{j}条细则"
        if not crit.text:
            errors.append(where.at(crit.row, COL_CRITERION, "细则内容为空", csubject))
        elif len(crit.text) > CRITERION_TEXT_MAX:
            errors.append(where.at(crit.row, COL_CRITERION, f"细则内容超过 {CRITERION_TEXT_MAX} 个字", csubject))
    return errors


def _sum_problems(ind: IndicatorData, where: _Where) -> list[str]:
    """Criteria maxima (all given) not adding up to their indicator's maximum."""
    complete = ind.max_score is not None and all(c.max_score is not None for c in ind.criteria)
    if not (complete and ind.criteria and ind.criteria_total != ind.max_score):
        return []
    problem = (f"指标“{ind.name}”的细则分值合计为 {fmt(ind.criteria_total)}，"
               f"与指标分值 {fmt(ind.max_score)} 不一致")
    if where.columns and ind.row:
        rows = f"第{ind.row}行" if ind.row == ind.last_row else f"第{ind.row}–{ind.last_row}行"
        return [f"{rows} {where.columns[COL_CRITERION_MAX]}列（{COL_CRITERION_MAX}）：{problem}"]
    return [problem]


def _total_problems(indicators: list[IndicatorData], where: _Where) -> list[str]:
    """Indicator maxima (all given) not adding up to 100."""
    if any(ind.max_score is None for ind in indicators):
        return []
    total = sum((ind.max_score for ind in indicators), Decimal("0"))
    if total == HUNDRED:
        return []
    place = f"{where.columns[COL_INDICATOR_MAX]}列（{COL_INDICATOR_MAX}）：" if where.columns else ""
    return [f"{place}各指标分值合计为 {fmt(total)}，应为 100"]


def validate_rubric(indicators: list[IndicatorData], columns: dict[str, str] | None = None) -> list[str]:
    """Every problem of a rubric's structure, in Chinese: names, maxima, criteria summing to their indicator,
    indicators summing to 100, duplicate indicator names. With `columns` (column name → letter) the messages
    name workbook rows and columns; without, they name the indicator and criterion (editor)."""
    if not indicators:
        return ["没有任何指标：至少需要一个指标和一条细则。"]
    where = _Where(columns)
    errors = []
    first_seen: dict[str, IndicatorData] = {}
    for i, ind in enumerate(indicators, start=1):
        subject = f"第{i}个指标“{ind.name}”" if ind.name else f"第{i}个指标"
        errors += _name_problems(ind, subject, first_seen, where)
        errors += _criteria_problems(ind, subject, where)
        errors += _sum_problems(ind, where)
    return errors + _total_problems(indicators, where)


# ---------------------------------------------------------------------------------------------------------------
# Workbook


class _RubricRows:
    """Turns the workbook's rows, in order, into indicators: consecutive rows with the same 指标 form one
    indicator. Collects the problems of each row (row and column named)."""

    def __init__(self, columns: dict[str, str]):
        self.where = _Where(columns)
        self.indicators: list[IndicatorData] = []
        self.errors: list[str] = []
        self.current: IndicatorData | None = None
        self.max_row: dict[int, int] = {}  # id(indicator) → row that gave its 指标分值
        self.bad_max: set[int] = set()  # id(indicator) of those with an invalid 指标分值

    def add(self, r: Row):
        name = r.text(COL_INDICATOR)
        self._indicator_for(r.number, name)
        self._indicator_max(r, name)
        self.current.criteria.append(CriterionData(
            text=r.text(COL_CRITERION), max_score=self._criterion_max(r), guidance=r.text(COL_GUIDANCE),
            row=r.number,
        ))

    def _start(self, name: str, row: int):
        self.current = IndicatorData(name=name, max_score=None, row=row)
        self.indicators.append(self.current)

    def _indicator_for(self, row: int, name: str):
        if not name:
            self.errors.append(self.where.at(row, COL_INDICATOR, "指标名称为空"))
            if self.current is None:
                self._start("", row)
        elif self.current is None or name != self.current.name:
            self._start(name, row)

    def _indicator_max(self, r: Row, name: str):
        ind_max, problem = parse_score(r[COL_INDICATOR_MAX])
        current = self.current
        if problem:
            self.errors.append(self.where.at(r.number, COL_INDICATOR_MAX, problem))
            self.bad_max.add(id(current))
        elif ind_max is None or not name:  # a row without a name says nothing reliable about an indicator
            return
        elif current.max_score is None:
            current.max_score = ind_max
            self.max_row[id(current)] = r.number
        elif ind_max != current.max_score:
            self.errors.append(self.where.at(
                r.number, COL_INDICATOR_MAX, f"指标“{current.name}”的分值 {fmt(ind_max)} 与第{self.max_row[id(current)]}"
                                             f"行的 {fmt(current.max_score)} 不一致"))

    def _criterion_max(self, r: Row) -> Decimal | None:
        crit_max, problem = parse_score(r[COL_CRITERION_MAX])
        if problem:
            self.errors.append(self.where.at(r.number, COL_CRITERION_MAX, problem))
        elif crit_max is None:
            self.errors.append(self.where.at(r.number, COL_CRITERION_MAX, "细则分值为空"))
        return crit_max

    def missing_maxima(self) -> list[str]:
        return [self.where.at(ind.row, COL_INDICATOR_MAX, f"指标“{ind.name}”没有填写指标分值")
                for ind in self.indicators if ind.max_score is None and id(ind) not in self.bad_max and ind.name]


def read_rubric_workbook(file) -> list[IndicatorData]:
    """The rubric in a workbook (SPEC §10 columns 指标, 指标分值, 细则, 细则分值, 评分说明, order free, extra
    columns ignored; one criterion per row; consecutive rows with the same 指标 form one indicator, whose 指标分值
    may be on every row or on the first only). Raises ValidationError listing every problem by row and column.
    Read through core.workbook with the rubric caps (2,000 rows, 2 MB)."""
    try:
        table = read_table(file, columns=COLUMNS, caps=RUBRIC)
    except WorkbookError as exc:
        raise ValidationError(exc.messages)
    columns = {c: table.letter(c) for c in COLUMNS}
    rows = _RubricRows(columns)
    for r in table.rows:
        rows.add(r)
    errors = rows.errors + rows.missing_maxima() + validate_rubric(rows.indicators, columns)
    if errors:
        raise ValidationError(sorted(errors, key=_row_of))
    return rows.indicators


def _row_of(message: str) -> int:
    """The first row a message names (messages about the whole file sort last)."""
    match = re.match(r"第(\d+)", message)
    return int(match.group(1)) if match else 10**9


def resolve_sector(sector) -> Sector:
    """A Sector from an instance, a pk or a name; unknown → ValidationError listing the sectors."""
    if isinstance(sector, Sector):
        return sector
    found = Sector.objects.filter(name=str(sector).strip()).first()
    if found is None and str(sector).isdigit():
        found = Sector.objects.filter(pk=int(sector)).first()
    if found is None:
        names = "、".join(Sector.objects.values_list("name", flat=True))
        raise ValidationError([f"没有领域“{sector}”。现有领域：{names}"])
    return found


def _check_new_name(sector: Sector, name: str) -> list[str]:
    name = (name or "").strip()
    if not name:
        return ["请填写版本名称（如“2026版”）。"]
    if len(name) > NAME_MAX:
        return [f"版本名称超过 {NAME_MAX} 个字。"]
    if RubricVersion.objects.filter(sector=sector, name=name).exists():
        return [f"领域“{sector.name}”已有名为“{name}”的评分标准，请换一个版本名称。"]
    return []


def preview_rubric_import(*, file, sector, name) -> list[IndicatorData]:
    """What `import_rubric` would save, or ValidationError with every problem (name, sector and file together)."""
    sector = resolve_sector(sector)
    errors = _check_new_name(sector, name)
    try:
        indicators = read_rubric_workbook(file)
    except ValidationError as exc:
        errors.extend(exc.messages)
        indicators = []
    if errors:
        raise ValidationError(errors)
    return indicators


def _snapshot(indicators) -> list[dict]:
    return [
        {"指标": ind.name, "分值": fmt(ind.max_score),
         "细则": [{"细则": c.text, "分值": fmt(c.max_score), "评分说明": c.guidance} for c in ind.criteria]}
        for ind in indicators
    ]


def _write(rubric: RubricVersion, indicators: list[IndicatorData]):
    for pos, ind in enumerate(indicators, start=1):
        indicator = Indicator.objects.create(rubric=rubric, position=pos, name=ind.name, max_score=ind.max_score)
        Criterion.objects.bulk_create([
            Criterion(indicator=indicator, position=cpos, text=c.text, max_score=c.max_score, guidance=c.guidance)
            for cpos, c in enumerate(ind.criteria, start=1)
        ])


def _create_version(sector, name, based_on, indicators) -> RubricVersion:
    try:
        with transaction.atomic():
            rubric = RubricVersion.objects.create(sector=sector, name=name.strip(), based_on=based_on)
            _write(rubric, indicators)
    except IntegrityError:  # a concurrent import took the name between the check and the insert
        raise ValidationError([f"领域“{sector.name}”已有名为“{name.strip()}”的评分标准，请换一个版本名称。"])
    return rubric


def import_rubric(*, file, sector, name, actor, filename="") -> RubricVersion:
    """A new rubric version of `sector` from a workbook, saved whole or not at all; audited.
    Raises ValidationError listing every problem."""
    sector = resolve_sector(sector)
    indicators = preview_rubric_import(file=file, sector=sector, name=name)
    with transaction.atomic():
        rubric = _create_version(sector, name, None, indicators)
        record(actor=actor, action="rubric.import", obj=rubric,
               after={"领域": sector.name, "版本": rubric.name, "文件": filename, "指标": _snapshot(indicators)})
    return rubric


# ---------------------------------------------------------------------------------------------------------------
# Freeze, edit, copy


def frozen_by(rubric: RubricVersion) -> list[str]:
    """Names of the campaigns using `rubric` (empty: the version may still be edited)."""
    return list(rubric.campaign_sectors.select_related("campaign").values_list("campaign__name", flat=True))


def ensure_editable(rubric: RubricVersion):
    """Raise ValidationError (Chinese) if a campaign uses `rubric`: a used version is frozen."""
    users = frozen_by(rubric)
    if users:
        raise ValidationError([
            f"评分标准“{rubric}”已被定级工作“{'、'.join(users)}”使用，已冻结，不能修改。"
            "如需调整，请“复制为新版本”后修改新版本。"
        ])


def rubric_as_data(rubric: RubricVersion) -> list[IndicatorData]:
    """The stored rubric as IndicatorData rows (with pks), in order."""
    indicators = Indicator.objects.filter(rubric=rubric).prefetch_related("criteria").order_by("position")
    return [
        IndicatorData(name=i.name, max_score=i.max_score, pk=i.pk, criteria=[
            CriterionData(text=c.text, max_score=c.max_score, guidance=c.guidance, pk=c.pk)
            for c in sorted(i.criteria.all(), key=lambda c: c.position)
        ])
        for i in indicators
    ]


def _check_same_items(before: list[IndicatorData], indicators: list[IndicatorData]):
    """Raise ValidationError unless `indicators` holds exactly the stored indicators and criteria (by pk, each
    once), each criterion under its own indicator."""
    owned = {i.pk: {c.pk for c in i.criteria} for i in before}
    new_criteria = {c.pk for i in indicators for c in i.criteria}
    if ({i.pk for i in indicators} != set(owned) or new_criteria != set().union(*owned.values())
            or len(new_criteria) != sum(len(i.criteria) for i in indicators)):
        raise ValidationError(["提交的指标或细则与该版本不一致（可能已被他人修改），请刷新页面后重试。"])
    if any({c.pk for c in i.criteria} != owned[i.pk] for i in indicators):
        raise ValidationError(["提交的细则与所属指标不一致，请刷新页面后重试。"])


def _save_edits(rubric: RubricVersion, indicators: list[IndicatorData]):
    # Names are unique per version: park them first so that two indicators may swap names.
    Indicator.objects.filter(rubric=rubric).update(name=_parked_name())
    for ind in indicators:
        Indicator.objects.filter(pk=ind.pk).update(name=ind.name, max_score=ind.max_score)
        for c in ind.criteria:
            Criterion.objects.filter(pk=c.pk).update(text=c.text, max_score=c.max_score, guidance=c.guidance)


def update_rubric(*, rubric: RubricVersion, indicators: list[IndicatorData], actor) -> RubricVersion:
    """Save edited names, maxima and guidance of an unfrozen version. `indicators` must hold exactly the
    version's existing indicators and criteria (by pk). Sums re-validated; audited with before and after.
    Raises ValidationError if frozen or invalid; then nothing is saved."""
    with transaction.atomic():
        rubric = RubricVersion.objects.select_for_update().select_related("sector").get(pk=rubric.pk)
        ensure_editable(rubric)
        before = rubric_as_data(rubric)
        _check_same_items(before, indicators)
        errors = validate_rubric(indicators)
        if errors:
            raise ValidationError(errors)
        _save_edits(rubric, indicators)
        order = {i.pk: n for n, i in enumerate(before)}
        after = sorted(indicators, key=lambda i: order[i.pk])
        before_snap, after_snap = _snapshot(before), _snapshot(after)
        if before_snap != after_snap:
            record(actor=actor, action="rubric.edit", obj=rubric, before={"指标": before_snap},
                   after={"指标": after_snap})
    return rubric


def _parked_name():
    """A placeholder name unique per indicator ("#<pk>"), used while renaming."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value("#"), Cast("pk", CharField()))


def copy_rubric(*, rubric: RubricVersion, name: str, actor) -> RubricVersion:
    """A new, unfrozen version of the same sector with the same indicators and criteria ("复制为新版本");
    audited. Raises ValidationError if the name is blank or taken."""
    errors = _check_new_name(rubric.sector, name)
    if errors:
        raise ValidationError(errors)
    indicators = rubric_as_data(rubric)
    with transaction.atomic():
        copy = _create_version(rubric.sector, name, rubric, indicators)
        record(actor=actor, action="rubric.copy", obj=copy, before={"复制自": str(rubric)},
               after={"领域": rubric.sector.name, "版本": copy.name, "指标": _snapshot(indicators)})
    return copy
