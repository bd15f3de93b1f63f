"""Offline scores (SPEC §10): a workbook with 组织编码, 自评得分, 满意票, 基本满意票, 不满意票, 评定得分 for one
campaign, entered by staff from paper. Parsed and checked completely first — every problem listed with its row and
column — then written all or nothing, audited, and the grades of the rows' orgs recomputed.

Blank means "not given": a blank score or a blank vote triple leaves what is stored for that org unchanged.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from audit.services import record
from branches.models import Org
from campaigns.models import Campaign
from campaigns.selectors import targets
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
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value).strip())


def _where(row: int, col: int, name: str) -> str:
    return f"第{row}行 {get_column_letter(col)}列（{name}）"


def parse_scores_workbook(campaign: Campaign, fileobj) -> ParsedScores:
    """Read and check the workbook. Returns the rows and every problem found (row and column named, Chinese);
    writes nothing."""
    result = ParsedScores()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        result.errors.append("文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后重新上传。")
        return result
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        numbered = ([(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
                    if ws is not None else [])
    finally:
        wb.close()
    numbered = [(i, r) for i, r in numbered if not all(_blank(v) for v in r)]
    if not numbered:
        result.errors.append("工作簿是空的：第一张工作表没有表头和数据。")
        return result
    header_row, header_values = numbered[0]
    header = [str(v).strip() if v is not None else "" for v in header_values]
    positions = {}
    for idx, name in enumerate(header):
        if name in COLUMNS and name not in positions:
            positions[name] = idx
    missing = [c for c in COLUMNS if c not in positions]
    if missing:
        result.errors.append(f"第{header_row}行（表头）缺少列：{'、'.join(missing)}。表头须包含：{'、'.join(COLUMNS)}。")
        return result

    target_by_code = {o.code: o for o in targets(campaign)}
    code_idx = positions["组织编码"]
    file_codes = {str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
                  for _, r in numbered[1:] for v in r[code_idx:code_idx + 1] if not _blank(v)}
    known_codes = set(Org.objects.filter(code__in=file_codes).values_list("code", flat=True))
    seen: dict[str, int] = {}
    data_rows = 0
    for rownum, values in numbered[1:]:
        values = values + [None] * (len(header) - len(values))
        data_rows += 1
        cell = {name: values[positions[name]] for name in COLUMNS}
        col = {name: positions[name] + 1 for name in COLUMNS}
        errors = []
        code = "" if _blank(cell["组织编码"]) else str(cell["组织编码"]).strip()
        if isinstance(cell["组织编码"], float) and cell["组织编码"].is_integer():
            code = str(int(cell["组织编码"]))
        org = None
        if not code:
            errors.append(f"{_where(rownum, col['组织编码'], '组织编码')}：未填写。")
        elif code in seen:
            errors.append(f"{_where(rownum, col['组织编码'], '组织编码')}：“{code}”与第{seen[code]}行重复。")
        elif code not in known_codes:
            errors.append(f"{_where(rownum, col['组织编码'], '组织编码')}：没有编码为“{code}”的党组织。")
        elif code not in target_by_code:
            errors.append(f"{_where(rownum, col['组织编码'], '组织编码')}：“{code}”不是本次定级工作（{campaign.name}）的定级对象。")
        else:
            org = target_by_code[code]
        if code and code not in seen:
            seen[code] = rownum

        scores = {}
        for name in ("自评得分", "评定得分"):
            raw = cell[name]
            if _blank(raw):
                scores[name] = None
                continue
            try:
                value = _decimal(raw)
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(f"{_where(rownum, col[name], name)}：“{raw}”不是数字。")
                continue
            if value < 0 or value > 100:
                errors.append(f"{_where(rownum, col[name], name)}：{raw} 超出 0～100 的范围。")
            elif value != value.quantize(ONE_DECIMAL, rounding="ROUND_DOWN"):
                errors.append(f"{_where(rownum, col[name], name)}：{raw} 最多保留一位小数。")
            else:
                scores[name] = value.quantize(ONE_DECIMAL)

        given = [n for n in VOTE_COLUMNS if not _blank(cell[n])]
        vote_values = None
        if given and len(given) < 3:
            blanks = [n for n in VOTE_COLUMNS if n not in given]
            errors.append(f"第{rownum}行：满意票、基本满意票、不满意票须同时填写或同时留空（未填写："
                          + "、".join(f"{get_column_letter(col[n])}列{n}" for n in blanks) + "）。")
        elif given:
            parsed = []
            for name in VOTE_COLUMNS:
                raw = cell[name]
                try:
                    value = _decimal(raw)
                    if not value.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    errors.append(f"{_where(rownum, col[name], name)}：“{raw}”不是整数。")
                    continue
                if value != value.to_integral_value():
                    errors.append(f"{_where(rownum, col[name], name)}：{raw} 不是整数。")
                elif value < 0:
                    errors.append(f"{_where(rownum, col[name], name)}：{raw} 是负数。")
                else:
                    parsed.append(int(value))
            if len(parsed) == 3:
                vote_values = tuple(parsed)
        if errors:
            result.errors.extend(errors)
        elif org is not None:
            result.rows.append(ScoreRow(rownum, org, scores.get("自评得分"), vote_values, scores.get("评定得分")))
    if data_rows == 0:
        result.errors.append("工作簿只有表头，没有数据行。")
    return result


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
            if r.votes is not None:
                existing = offline.get(r.org.pk)
                b["线下票数"] = None if existing is None else [existing.satisfied, existing.basic, existing.unsatisfied]
                OfflineVotes.objects.update_or_create(
                    campaign=campaign, org=r.org,
                    defaults={"satisfied": r.votes[0], "basic": r.votes[1], "unsatisfied": r.votes[2]})
                a["线下票数"] = list(r.votes)
                summary["votes"] += 1
            before_log[r.org.code], after_log[r.org.code] = b, a
        record(actor=actor, action="scores.import", object_type="campaigns.campaign", object_id=str(campaign.pk),
               object_repr=str(campaign), campaign_id=campaign.pk, before=before_log, after=after_log,
               reason=f"线下成绩导入 {len(rows)} 行")
        grading.recompute_orgs(campaign=campaign, orgs=[r.org for r in rows], actor=actor)
    return summary
