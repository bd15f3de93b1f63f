from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register


@register
class MingxiExporter(Exporter):
    """各领域分类定级明细表: one sheet per sector, per-indicator self and review scores of every 定级对象."""

    identifier = "mingxi"
    position = 3
    title = "各领域分类定级明细表"
    has_pdf = False

    @cached_property
    def rows(self):
        return selectors.org_rows(self.campaign, self.scope, sheet_details=False)

    def row_count(self):
        return len(self.rows)

    def sheets(self):
        indicators = selectors.sector_indicators(self.campaign)
        scores = selectors.indicator_scores(self.campaign, self.scope)
        by_sector = {}
        for row in self.rows:
            by_sector.setdefault(row.org.sector_id, []).append(row)
        for sector in selectors.campaign_sectors(self.campaign):
            rows = by_sector.get(sector.pk, [])
            inds = indicators.get(sector.pk, [])
            columns = [Column("序号", 6, "int"), Column("组织编码", 12), Column("组织名称", 24, wrap=True),
                       Column("上级党组织", 16, wrap=True)]
            for ind in inds:
                columns.append(Column("自评", 7, "score", group=f"{ind.name}（{ind.max_score}分）"))
                columns.append(Column("评定", 7, "score", group=f"{ind.name}（{ind.max_score}分）"))
            columns += [Column("自评得分", 8, "score"), Column("评定得分", 8, "score"), Column("综合得分", 8, "score"),
                        Column("最终等次", 8)]

            def generate(rows=rows, inds=inds):
                for index, row in enumerate(rows, start=1):
                    mine = scores.get((row.org.pk, "self"), {})
                    theirs = scores.get((row.org.pk, "review"), {})
                    values = [index, row.org.code, row.org.name, row.parent_name]
                    for ind in inds:
                        values += [mine.get(ind.pk), theirs.get(ind.pk)]
                    values += [row.self_score, row.review_score, row.total, row.final_label]
                    yield tuple(values)

            yield Sheet(name=sector.name, heading=f"{sector.name}领域", columns=columns, rows=generate(),
                        count=len(rows))
