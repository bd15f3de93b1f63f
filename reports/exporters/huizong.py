from collections import Counter
from fractions import Fraction
from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register


@register
class HuizongExporter(Exporter):
    """分类定级情况汇总表: count and share of each final grade per directly subordinate unit and per sector, each
    table with a totals row. Shares are of the graded orgs of the row."""

    identifier = "huizong"
    position = 2
    title = "分类定级情况汇总表"
    has_pdf = True

    @cached_property
    def rows(self):
        return selectors.org_rows(self.campaign, self.scope, sheet_details=False)

    @cached_property
    def labels(self):
        return selectors.grade_labels(self.campaign)

    def row_count(self):
        return len(self.rows)

    def _columns(self, first):
        cols = [Column("序号", 6, "int"), Column(first, 24, wrap=True), Column("定级对象数", 9, "int"),
                Column("已定级数", 9, "int")]
        for label in self.labels:
            cols += [Column("个数", 7, "int", group=label), Column("占比", 8, "percent", group=label)]
        cols.append(Column("未定级数", 9, "int"))
        return cols

    def _table(self, groups: list[tuple[str, list]]):
        """Rows for (name, [OrgRow]) groups plus a totals row."""
        def line(index, name, rows):
            counts = Counter(r.final_label for r in rows if r.final_label)
            graded = sum(counts.values())
            values = [index, name, len(rows), graded]
            for label in self.labels:
                values += [counts.get(label, 0), Fraction(counts.get(label, 0), graded) if graded else None]
            values.append(len(rows) - graded)
            return tuple(values)

        for index, (name, rows) in enumerate(groups, start=1):
            yield line(index, name, rows)
        yield line(None, "合计", [r for _, rows in groups for r in rows])

    def unit_groups(self) -> list[tuple[str, list]]:
        return selectors.unit_groups(self.campaign, self.scope, self.rows)

    def sector_groups(self) -> list[tuple[str, list]]:
        by_sector: dict[int, list] = {}
        for row in self.rows:
            by_sector.setdefault(row.org.sector_id, []).append(row)
        return [(s.name, by_sector[s.pk]) for s in selectors.campaign_sectors(self.campaign) if s.pk in by_sector]

    def sheets(self):
        units = self.unit_groups()
        yield Sheet(name="按单位", heading="一、按所属单位统计", columns=self._columns("单位"),
                    rows=self._table(units), count=len(units) + 1, total_row=True)
        sectors = self.sector_groups()
        yield Sheet(name="按领域", heading="二、按领域统计", columns=self._columns("领域"),
                    rows=self._table(sectors), count=len(sectors) + 1, total_row=True)
