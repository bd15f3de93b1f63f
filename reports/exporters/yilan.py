from reports import selectors
from reports.exporters.base import Column, register, register_columns
from reports.exporters.common import OrgListExporter, org_kind_label
from reports.selectors import OrgRow


@register
class YilanExporter(OrgListExporter):
    """分类定级情况一览表: one row per 定级对象, graded or not (SPEC §9); a second round adds the previous round's
    grade and the move (previous_round_columns)."""

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


@register_columns("yilan")
def previous_round_columns(exporter):
    """上一轮等次 and 升降情况 (晋位升级/保持/降级/新参评) for a second round; nothing for a first round."""
    if not exporter.campaign.previous_id:
        return [], lambda row: ()
    moves = selectors.previous_round_moves(exporter.campaign)
    columns = [Column("上一轮等次", 9), Column("升降情况", 9)]

    def values(row):
        m = moves.get(row.org.pk)
        return (m.previous_label, m.move) if m else ("", "")

    return columns, values
