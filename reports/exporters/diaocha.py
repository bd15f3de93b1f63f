"""调查摸底与分类定级表 (`diaocha`, XLSX + PDF): per 定级对象 the six-point 调查摸底 checklist and its grade."""
from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, register
from reports.exporters.common import OrgListExporter


@register
class DiaochaExporter(OrgListExporter):
    """调查摸底与分类定级表: one row per 定级对象 with 是/否 for each checklist point (未填写 when the
    investigation is missing), the notes, and the grade."""

    identifier = "diaocha"
    title = "调查摸底与分类定级表"
    has_pdf = True

    @cached_property
    def investigations(self) -> dict:
        return selectors.investigations(self.campaign, [r.org.pk for r in self.rows])

    def base_columns(self):
        return [
            Column("序号", 5, "int"), Column("组织编码", 11), Column("组织名称", 22, wrap=True),
            Column("上级党组织", 16, wrap=True), Column("所属领域", 10), Column("书记", 8),
            Column("党员人数", 7, "int"),
            *[Column(label, 8, group="调查摸底", wrap=True) for label in selectors.INVESTIGATION_LABELS],
            Column("主要问题及情况说明", 36, wrap=True),
            Column("自评得分", 7, "score"), Column("评定得分", 7, "score"), Column("综合得分", 7, "score"),
            Column("定级等次", 8),
        ]

    def values(self, index, row):
        org = row.org
        inv = self.investigations.get(org.pk)
        if inv is None:
            checks, notes = ["未填写"] * len(selectors.INVESTIGATION_LABELS), ""
        else:
            checks = ["是" if ok else "否" for _, ok, _ in inv.checks]
            parts = [f"{label}：{note}" for label, _, note in inv.checks if note]
            if inv.summary:
                parts.append(inv.summary)
            notes = "；".join(parts)
        return (index, org.code, org.name, row.parent_name, row.sector_name, org.secretary, org.member_count,
                *checks, notes, row.self_score, row.review_score, row.total, row.final_label)
