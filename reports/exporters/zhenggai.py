from functools import cached_property

from django.db.models import Prefetch

from rectification.models import (
    RectificationItem,
    RectificationPlan,
    RectificationProgress,
)
from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register


def _who(user):
    return selectors._person(user)


@register
class ZhenggaiExporter(Exporter):
    """整改汇总表: per org with a rectification plan (整改方案) one row per item — grade, problem, measures, person
    responsible, deadline, status, acceptance — org facts on the org's first row. Four queries."""

    identifier = "zhenggai"
    position = 7
    title = "整改汇总表"
    has_pdf = True

    @cached_property
    def plans(self):
        orgs = {o.pk: o for o in selectors.scoped_targets(self.campaign, self.scope)}
        progress = RectificationProgress.objects.order_by("-reported_at")
        items = RectificationItem.objects.select_related("reviewed_by").prefetch_related(
            Prefetch("progress", queryset=progress))
        plans = (RectificationPlan.objects.filter(campaign=self.campaign, org_id__in=list(orgs))
                 .prefetch_related(Prefetch("items", queryset=items)))
        result = [(orgs[p.org_id], p) for p in plans]
        result.sort(key=lambda pair: pair[0].path)
        return result

    def row_count(self):
        return sum(max(1, len(p.items.all())) for _, p in self.plans)

    def columns(self):
        return [
            Column("序号", 5, "int"), Column("组织编码", 10), Column("组织名称", 18, wrap=True),
            Column("上级党组织", 14, wrap=True), Column("定级等次", 8), Column("类别", 13, wrap=True),
            Column("联系领导", 8), Column("存在问题", 26, wrap=True), Column("整改措施", 28, wrap=True),
            Column("责任人", 8), Column("完成时限", 12, "date"), Column("整改状态", 8), Column("是否验收", 6),
            Column("验收情况", 18, wrap=True), Column("最新进展", 22, wrap=True),
        ]

    def iterate_rows(self):
        for index, (org, plan) in enumerate(self.plans, start=1):
            tier = plan.get_tier_display()
            if plan.yellow_card:
                tier += f"；黄牌期限 {plan.yellow_card_deadline.isoformat()}" if plan.yellow_card_deadline else ""
            head = [index, org.code, org.name, getattr(org, "parent_name", "") or "", plan.label, tier,
                    plan.contact_leader]
            items = list(plan.items.all())
            if not items:
                note = "经验推广，无需整改" if not plan.needs_plan else "尚未报送整改事项"
                yield tuple(head + [note, "", "", None, "", "", "", ""])
                continue
            for n, item in enumerate(items):
                prefix = head if n == 0 else [None, "", "", "", "", "", ""]
                accepted = "是" if item.accepted else "否"
                review = ""
                if item.reviewed_at:
                    review = f"{_who(item.reviewed_by)} {item.reviewed_at:%Y-%m-%d}".strip()
                    if item.review_note:
                        review += f"：{item.review_note}"
                latest = item.progress.all()
                yield tuple(prefix + [item.problem, item.measures, item.responsible, item.deadline,
                                      item.get_status_display(), accepted, review,
                                      latest[0].text if latest else ""])

    def sheets(self):
        yield Sheet(name=self.title, columns=self.columns(), rows=self.iterate_rows(), count=self.row_count())
