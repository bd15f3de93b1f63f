from reports.exporters.base import Column, register
from reports.exporters.common import OrgListExporter, org_kind_label
from reports.selectors import OrgRow


@register
class YilanExporter(OrgListExporter):
    """分类定级情况一览表: one row per 定级对象, graded or not (SPEC §9)."""

    identifier = "yilan"
    position = 1
    title = "分类定级情况一览表"
    has_pdf = True

    def base_columns(self):
        return [
            Column("序号", 5, "int"), Column("组织编码", 14), Column("组织名称", 24, wrap=True),
            Column("上级党组织", 16, wrap=True), Column("所属领域", 10), Column("组织类型", 7), Column("书记", 9),
            Column("党员人数", 6, "int"), Column("自评得分", 7, "score"), Column("满意票数", 6, "int"),
            Column("基本满意票数", 7, "int"), Column("不满意票数", 6, "int"), Column("满意率", 7, "percent"),
            Column("评定得分", 7, "score"), Column("综合得分", 7, "score"), Column("计算等次", 6),
            Column("最终等次", 6), Column("备注", 34, wrap=True),
        ]

    def values(self, index, row: OrgRow):
        org = row.org
        tally = row.vote_tally
        return (
            index, org.code, org.name, row.parent_name, row.sector_name, org_kind_label(org), org.secretary,
            org.member_count, row.self_score,
            tally.satisfied if tally else None, tally.basic if tally else None,
            tally.unsatisfied if tally else None, row.satisfaction,
            row.review_score, row.total, row.computed_label, row.final_label, row.remark,
        )
