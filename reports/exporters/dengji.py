from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register
from reports.exporters.common import org_kind_label
from reports.selectors import OrgRow
from reports.writers.text import cell_text


@register
class DengjiExporter(Exporter):
    """基层党组织分类定级登记表: one page per 定级对象 — basic facts, indicator scores (self and review), the survey
    tally, the committee's opinion, seal and signature lines. The XLSX has the same facts one row per org."""

    identifier = "dengji"
    position = 5
    title = "基层党组织分类定级登记表"
    has_pdf = True
    landscape = False
    pdf_layout = "pages"
    pdf_template = "reports/pdf/dengji.html"

    @cached_property
    def rows(self) -> list[OrgRow]:
        return selectors.org_rows(self.campaign, self.scope)

    @cached_property
    def indicators(self):
        return selectors.sector_indicators(self.campaign)

    @cached_property
    def scores(self):
        return selectors.indicator_scores(self.campaign, self.scope)

    def row_count(self):
        return len(self.rows)

    page_count = row_count

    def indicator_lines(self, row: OrgRow):
        mine = self.scores.get((row.org.pk, "self"), {})
        theirs = self.scores.get((row.org.pk, "review"), {})
        return [(ind.name, ind.max_score, mine.get(ind.pk), theirs.get(ind.pk))
                for ind in self.indicators.get(row.org.sector_id, [])]

    def columns(self):
        return [
            Column("序号", 6, "int"), Column("组织编码", 12), Column("组织名称", 24, wrap=True),
            Column("上级党组织", 18, wrap=True), Column("所属领域", 12), Column("组织类型", 9), Column("书记", 9),
            Column("党员人数", 8, "int"), Column("近三年发展党员数", 9, "int"),
            Column("各项指标得分（自评/评定）", 48, wrap=True), Column("自评得分", 8, "score"),
            Column("满意票数", 8, "int"), Column("基本满意票数", 8, "int"), Column("不满意票数", 8, "int"),
            Column("满意率", 8, "percent"), Column("评定得分", 8, "score"), Column("综合得分", 8, "score"),
            Column("最终等次", 8), Column("评定意见", 36, wrap=True), Column("备注", 30, wrap=True),
        ]

    def iterate_rows(self):
        for index, row in enumerate(self.rows, start=1):
            org = row.org
            tally = row.vote_tally
            lines = "；".join(f"{name} {'' if s is None else s}/{'' if r is None else r}"
                             for name, _, s, r in self.indicator_lines(row))
            yield (index, org.code, org.name, row.parent_name, row.sector_name, org_kind_label(org), org.secretary,
                   org.member_count, org.recruits_3y, lines, row.self_score,
                   tally.satisfied if tally else None, tally.basic if tally else None,
                   tally.unsatisfied if tally else None, row.satisfaction, row.review_score, row.total,
                   row.final_label, row.review_sheet.opinion if row.review_sheet else "", row.remark)

    def sheets(self):
        yield Sheet(name="登记表", columns=self.columns(), rows=self.iterate_rows(), count=self.row_count())

    def pages(self):
        for row in self.rows:
            yield {"row": row, "org": row.org, "indicators": self.indicator_lines(row), "tally": row.vote_tally,
                   "opinion": row.review_sheet.opinion if row.review_sheet else "",
                   "kind": org_kind_label(row.org), "rate": cell_text(row.satisfaction, "percent")}
