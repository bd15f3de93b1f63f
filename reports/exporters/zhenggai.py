from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register


@register
class ZhenggaiExporter(Exporter):
    """整改汇总表: per org with a rectification plan (整改方案) one row per item — grade, problem, measures, person
    responsible, deadline, status, acceptance — org facts on the org's first row. Four queries."""

    identifier = "zhenggai"
    position = 7
    title = "整改汇总表"
    has_pdf = True

    @cached_property
    def plans(self) -> list[selectors.PlanRow]:
        return selectors.rectification_plans(self.campaign, self.scope)

    def row_count(self):
        return sum(max(1, len(p.items)) for p in self.plans)

    def columns(self):
        return [
            Column("序号", 5, "int"), Column("组织编码", 10), Column("组织名称", 18, wrap=True),
            Column("上级党组织", 14, wrap=True), Column("定级等次", 8), Column("类别", 13, wrap=True),
            Column("联系领导", 8), Column("存在问题", 26, wrap=True), Column("整改措施", 28, wrap=True),
            Column("责任人", 8), Column("完成时限", 12, "date"), Column("整改状态", 8), Column("是否验收", 6),
            Column("验收情况", 18, wrap=True), Column("最新进展", 22, wrap=True),
        ]

    def iterate_rows(self):
        for index, row in enumerate(self.plans, start=1):
            org, plan = row.org, row.plan
            tier = plan.get_tier_display()
            if plan.yellow_card:
                tier += f"；黄牌期限 {plan.yellow_card_deadline.isoformat()}" if plan.yellow_card_deadline else ""
            head = [index, org.code, org.name, getattr(org, "parent_name", "") or "", plan.label, tier,
                    plan.contact_leader]
            if not row.items:
                note = "经验推广，无需整改" if not plan.needs_plan else "尚未报送整改事项"
                yield (*head, note, "", "", None, "", "", "", "")
                continue
            for n, entry in enumerate(row.items):
                prefix = head if n == 0 else [None, "", "", "", "", "", ""]
                yield (*prefix, *_item_values(entry))

    def sheets(self):
        yield Sheet(name=self.title, columns=self.columns(), rows=self.iterate_rows(), count=self.row_count())


def _item_values(entry: selectors.PlanItem) -> tuple:
    """问题、措施、责任人、时限、状态、是否验收、验收情况、最新进展 of one item."""
    item = entry.item
    review = ""
    if item.reviewed_at:
        review = f"{selectors.person_name(item.reviewed_by)} {item.reviewed_at:%Y-%m-%d}".strip()
        if item.review_note:
            review += f"：{item.review_note}"
    return (item.problem, item.measures, item.responsible, item.deadline, item.get_status_display(),
            "是" if item.accepted else "否", review, entry.latest_progress)
