"""Reports of the work after the grades, through the exporter registry (reports.exporters):

- 调查摸底与分类定级表 (`diaocha`, XLSX + PDF): per 定级对象 the six-point 调查摸底 checklist and its grade;
- the 一览表 (`yilan`) gains 上一轮等次 and 升降情况 columns when the campaign is a second round.

Registered when this module is imported (reports.exporters imports it)."""
from functools import cached_property

from rectification.selectors import transitions
from reports.exporters.base import Column, register, register_columns
from reports.exporters.common import OrgListExporter
from scoring.models import INVESTIGATION_CHECKS, Investigation


@register
class DiaochaExporter(OrgListExporter):
    """调查摸底与分类定级表: one row per 定级对象 with 是/否 for each checklist point (未填写 when the
    investigation is missing), the notes, and the grade."""

    identifier = "diaocha"
    title = "调查摸底与分类定级表"
    has_pdf = True

    @cached_property
    def investigations(self) -> dict:
        return {i.org_id: i for i in Investigation.objects.filter(campaign=self.campaign,
                                                                  org_id__in=[r.org.pk for r in self.rows])}

    def base_columns(self):
        return [
            Column("序号", 5, "int"), Column("组织编码", 11), Column("组织名称", 22, wrap=True),
            Column("上级党组织", 16, wrap=True), Column("所属领域", 10), Column("书记", 8),
            Column("党员人数", 7, "int"),
            *[Column(label, 8, group="调查摸底", wrap=True) for _, label in INVESTIGATION_CHECKS],
            Column("主要问题及情况说明", 36, wrap=True),
            Column("自评得分", 7, "score"), Column("评定得分", 7, "score"), Column("综合得分", 7, "score"),
            Column("定级等次", 8),
        ]

    def values(self, index, row):
        org = row.org
        inv = self.investigations.get(org.pk)
        if inv is None:
            checks, notes = ["未填写"] * len(INVESTIGATION_CHECKS), ""
        else:
            checks = ["是" if ok else "否" for _, ok, _ in inv.checks]
            parts = [f"{label}：{note}" for label, _, note in inv.checks if note]
            if inv.summary:
                parts.append(inv.summary)
            notes = "；".join(parts)
        return (index, org.code, org.name, row.parent_name, row.sector_name, org.secretary, org.member_count,
                *checks, notes, row.self_score, row.review_score, row.total, row.final_label)


@register_columns("yilan")
def previous_round_columns(exporter):
    """上一轮等次 and 升降情况 (晋位升级/保持/降级/新参评) for a second round; nothing for a first round."""
    if not exporter.campaign.previous_id:
        return [], lambda row: ()
    moves = {m.org.pk: m for m in transitions(exporter.campaign).moves}
    columns = [Column("上一轮等次", 9), Column("升降情况", 9)]

    def values(row):
        m = moves.get(row.org.pk)
        return (m.previous_label, m.move) if m else ("", "")

    return columns, values
