"""Offline scores (SPEC §10): a workbook with 组织编码, 自评得分, 满意票, 基本满意票, 不满意票, 评定得分 for one
campaign, entered by staff from paper. Parsed and checked completely first — every problem listed with its row and
column — then written all or nothing, audited, and the grades of the rows' orgs recomputed.

Blank means "not given": a blank score or a blank vote triple leaves what is stored for that org unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from branches.models import Org
from campaigns.models import Campaign
from campaigns.selectors import targets
from core.workbook import SCORES, Row, Table, WorkbookError, read_table
from scoring.models import OfflineVotes, ScoreSheet, SheetKind, SheetSource, SheetStatus
from scoring.services import grading

COLUMNS = ("组织编码", "自评得分", "满意票", "基本满意票", "不满意票", "评定得分")
VOTE_COLUMNS = ("满意票", "基本满意票", "不满意票")
ONE_DECIMAL = Decimal("0.1")


@dataclass
class ScoreRow:
    row: int
    org: Org
    self_score: Decimal | None = None
    votes: tuple[int, int, int] | None = None
    review_score: Decimal | None = None

    @property
    def has_data(self):
        return self.self_score is not None or self.votes is not None or self.review_score is not None


@dataclass
class ParsedScores:
    rows: list[ScoreRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _decimal(value) -> Decimal:
    """A finite Decimal from a cell (floats through their shortest text), else InvalidOperation."""
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, float):
        value = repr(value)
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation
    return number


class _RowChecker:
    """Checks the data rows of one workbook for one campaign; knows the campaign's targets and which of the
    file's codes exist (one query each), and the first row of every code seen so far."""

    def __init__(self, campaign: Campaign, table: Table):
        self.campaign = campaign
        self.table = table
        self.target_by_code = {o.code: o for o in targets(campaign)}
        file_codes = {r.text("组织编码") for r in table.rows} - {""}
        self.known_codes = set(Org.objects.filter(code__in=file_codes).values_list("code", flat=True))
        self.seen: dict[str, int] = {}

    def where(self, row: int, name: str) -> str:
        return f"第{row}行 {self.table.letter(name)}列（{name}）"

    def check(self, r: Row) -> tuple[ScoreRow | None, list[str]]:
        """The row's ScoreRow (None when its org is not a target) and its problems."""
        errors: list[str] = []
        org = self._org(r, errors)
        scores = {name: self._score(r, name, errors) for name in ("自评得分", "评定得分")}
        votes = self._votes(r, errors)
        if errors or org is None:
            return None, errors
        return ScoreRow(r.number, org, scores["自评得分"], votes, scores["评定得分"]), errors

    def _org(self, r: Row, errors: list[str]) -> Org | None:
        code, where = r.text("组织编码"), self.where(r.number, "组织编码")
        org = None
        if not code:
            errors.append(f"{where}：未填写。")
        elif code in self.seen:
            errors.append(f"{where}：“{code}”与第{self.seen[code]}行重复。")
        elif code not in self.known_codes:
            errors.append(f"{where}：没有编码为“{code}”的党组织。")
        elif code not in self.target_by_code:
            errors.append(f"{where}：“{code}”不是本次定级工作（{self.campaign.name}）的定级对象。")
        else:
            org = self.target_by_code[code]
        if code:
            self.seen.setdefault(code, r.number)
        return org

    def _score(self, r: Row, name: str, errors: list[str]) -> Decimal | None:
        """A score 0–100 with at most one decimal; None when blank or invalid (then a problem is appended)."""
        raw = r[name]
        if _blank(raw):
            return None
        where = self.where(r.number, name)
        try:
            value = _decimal(raw)
        except InvalidOperation:
            errors.append(f"{where}：“{raw}”不是数字。")
            return None
        if value < 0 or value > 100:
            errors.append(f"{where}：{raw} 超出 0～100 的范围。")
        elif value != value.quantize(ONE_DECIMAL, rounding="ROUND_DOWN"):
            errors.append(f"{where}：{raw} 最多保留一位小数。")
        else:
            return value.quantize(ONE_DECIMAL)
        return None

    def _votes(self, r: Row, errors: list[str]) -> tuple[int, int, int] | None:
        """The three vote counts, all given or all blank (None)."""
        given = [n for n in VOTE_COLUMNS if not _blank(r[n])]
        if not given:
            return None
        if len(given) < 3:
            blanks = [n for n in VOTE_COLUMNS if n not in given]
            errors.append(f"第{r.number}行：满意票、基本满意票、不满意票须同时填写或同时留空（未填写："
                          + "、".join(f"{self.table.letter(n)}列{n}" for n in blanks) + "）。")
            return None
        counts = [self._count(r, name, errors) for name in VOTE_COLUMNS]
        return None if None in counts else tuple(counts)

    def _count(self, r: Row, name: str, errors: list[str]) -> int | None:
        raw, where = r[name], self.where(r.number, name)
        try:
            value = _decimal(raw)
        except InvalidOperation:
            errors.append(f"{where}：“{raw}”不是整数。")
            return None
        if value != value.to_integral_value():
            errors.append(f"{where}：{raw} 不是整数。")
        elif value < 0:
            errors.append(f"{where}：{raw} 是负数。")
        else:
            return int(value)
        return None


def parse_scores_workbook(campaign: Campaign, fileobj) -> ParsedScores:
    """Read and check the workbook (core.workbook, offline-scores caps). Returns the rows and every problem found
    (row and column named, Chinese); writes nothing."""
    result = ParsedScores()
    try:
        table = read_table(fileobj, columns=COLUMNS, caps=SCORES)
    except WorkbookError as exc:
        result.errors = exc.messages
        return result
    checker = _RowChecker(campaign, table)
    for r in table.rows:
        row, errors = checker.check(r)
        result.errors.extend(errors)
        if row is not None:
            result.rows.append(row)
    return result


def _save_sheets(campaign: Campaign, r: ScoreRow, sheets: dict, *, user, now, summary: dict, b: dict, a: dict):
    """The row's self and review totals as submitted offline ScoreSheets; before/after noted in `b`/`a`."""
    for kind, value, label, key in ((SheetKind.SELF, r.self_score, "自评得分", "self"),
                                    (SheetKind.REVIEW, r.review_score, "评定得分", "review")):
        if value is None:
            continue
        sheet = sheets.get((r.org.pk, kind))
        b[label] = None if sheet is None else (str(sheet.total) if sheet.total is not None else None)
        if sheet is None:
            sheet = ScoreSheet(campaign=campaign, org=r.org, kind=kind)
        sheet.total = value
        sheet.source = SheetSource.OFFLINE
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = now
        sheet.submitted_by = user
        sheet.save()
        a[label] = str(value)
        summary[key] += 1


def _save_votes(campaign: Campaign, r: ScoreRow, offline: dict, *, summary: dict, b: dict, a: dict):
    """The row's vote triple as the org's OfflineVotes (replacing earlier ones); before/after noted."""
    if r.votes is None:
        return
    existing = offline.get(r.org.pk)
    b["线下票数"] = None if existing is None else [existing.satisfied, existing.basic, existing.unsatisfied]
    OfflineVotes.objects.update_or_create(
        campaign=campaign, org=r.org,
        defaults={"satisfied": r.votes[0], "basic": r.votes[1], "unsatisfied": r.votes[2]})
    a["线下票数"] = list(r.votes)
    summary["votes"] += 1


def import_scores(*, campaign: Campaign, fileobj, actor) -> dict:
    """Import an offline score workbook into `campaign`: all rows or nothing (ValidationError listing every problem
    by row and column). Self and review totals become offline ScoreSheets (submitted); votes are stored as
    OfflineVotes (added to the survey tallies). Audited; the grades of the imported orgs are recomputed.
    Returns {"rows": n, "self": n, "votes": n, "review": n}."""
    parsed = parse_scores_workbook(campaign, fileobj)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    rows = [r for r in parsed.rows if r.has_data]
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    summary = {"rows": len(parsed.rows), "self": 0, "votes": 0, "review": 0}
    before_log, after_log = {}, {}
    with transaction.atomic():
        org_ids = [r.org.pk for r in rows]
        sheets = {(s.org_id, s.kind): s for s in
                  ScoreSheet.objects.select_for_update().filter(campaign=campaign, org_id__in=org_ids)}
        offline = {v.org_id: v for v in
                   OfflineVotes.objects.select_for_update().filter(campaign=campaign, org_id__in=org_ids)}
        for r in rows:
            b, a = {}, {}
            _save_sheets(campaign, r, sheets, user=user, now=now, summary=summary, b=b, a=a)
            _save_votes(campaign, r, offline, summary=summary, b=b, a=a)
            before_log[r.org.code], after_log[r.org.code] = b, a
        record(actor=actor, action="scores.import", object_type="campaigns.campaign", object_id=str(campaign.pk),
               object_repr=str(campaign), campaign_id=campaign.pk, before=before_log, after=after_log,
               reason=f"线下成绩导入 {len(rows)} 行")
        grading.recompute_orgs(campaign=campaign, orgs=[r.org for r in rows], actor=actor)
    return summary
