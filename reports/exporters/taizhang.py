from functools import cached_property

from django.utils import timezone

from reports import selectors
from reports.exporters.base import Column, register
from reports.exporters.common import OrgListExporter
from reports.selectors import OrgRow


def _day(value):
    """A datetime as the local date; a date as is."""
    if value is None:
        return None
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register
class TaizhangExporter(OrgListExporter):
    """分类定级台账: per 定级对象 the date and the person of each step — 自评提交, 测评, 评定, 公示, 定级."""

    identifier = "taizhang"
    position = 4
    title = "分类定级台账"
    has_pdf = False
    sheet_details = True

    @cached_property
    def ledger(self):
        return selectors.ledger(self.campaign, self.scope)

    def base_columns(self):
        return [
            Column("序号", 6, "int"), Column("组织编码", 12), Column("组织名称", 26, wrap=True),
            Column("上级党组织", 18, wrap=True),
            Column("自评提交日期", 12, "date"), Column("自评提交人", 12),
            Column("测评日期", 12, "date"), Column("测评情况", 22, wrap=True),
            Column("评定日期", 12, "date"), Column("评定人", 12),
            Column("公示日期", 12, "date"), Column("公示发布人", 12),
            Column("定级日期", 12, "date"), Column("定级经办", 16, wrap=True), Column("最终等次", 9),
        ]

    def values(self, index, row: OrgRow):
        org = row.org
        led = self.ledger
        self_sheet, review = row.self_sheet, row.review_sheet
        self_at = self_sheet.submitted_at if self_sheet is not None else None
        self_who = self_sheet.submitted_by_name if self_sheet is not None else ""
        if self_sheet is not None and self_sheet.source == "offline" and not self_who:
            self_who = "线下录入"
        review_at = review.submitted_at if review is not None else None
        review_who = review.submitted_by_name if review is not None else ""
        if review is not None and review.source == "offline" and not review_who:
            review_who = "线下录入"
        survey = led.survey.get(org.pk, selectors.Step())
        grade = row.grade
        grade_at, grade_who = None, ""
        if grade is not None and grade.final_label:
            grade_at = grade.computed_at
            step = led.grade_steps.get(str(grade.pk))
            grade_who = step.who if step else "系统计算"
            if grade.override_label:
                grade_at = grade.overridden_at or grade_at
                grade_who = f"调整：{grade.overridden_by_name or grade_who}"
        publicity = led.publicity if grade is not None and grade.final_label else selectors.Step()
        return (
            index, org.code, org.name, row.parent_name,
            _day(self_at), self_who, _day(survey.at), survey.who, _day(review_at), review_who,
            _day(publicity.at), publicity.who, _day(grade_at), grade_who, row.final_label,
        )
