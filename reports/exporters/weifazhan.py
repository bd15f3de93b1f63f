from reports.exporters.base import Column, register
from reports.exporters.common import OrgListExporter, org_kind_label
from reports.selectors import OrgRow


@register
class WeifazhanExporter(OrgListExporter):
    """三年未发展党员名单: the 定级对象 whose 近三年发展党员数 is 0."""

    identifier = "weifazhan"
    position = 8
    title = "三年未发展党员名单"
    has_pdf = False

    def include(self, row: OrgRow) -> bool:
        return row.org.recruits_3y == 0

    def base_columns(self):
        return [
            Column("序号", 6, "int"), Column("组织编码", 12), Column("组织名称", 28, wrap=True),
            Column("上级党组织", 20, wrap=True), Column("所属领域", 14), Column("组织类型", 9), Column("书记", 10),
            Column("党员人数", 9, "int"), Column("近三年发展党员数", 10, "int"), Column("最终等次", 9),
        ]

    def values(self, index, row: OrgRow):
        org = row.org
        return (index, org.code, org.name, row.parent_name, row.sector_name, org_kind_label(org), org.secretary,
                org.member_count, org.recruits_3y, row.final_label)
