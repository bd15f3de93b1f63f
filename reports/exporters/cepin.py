from functools import cached_property

from reports import selectors
from reports.exporters.base import Column, Exporter, Sheet, register

NOTE = ("满意率 =（满意 + 基本满意）÷ 总票数；纸质测评票经两名工作人员录入一致后计入，"
        "随线下成绩导入的测评票计入纸质测评（未注明身份）。为保护测评人匿名，不足 5 票的身份类别（及渠道）显示为“<5”。")


@register
class CepinExporter(Exporter):
    """党员群众测评统计表: per 定级对象 the overall-question tally by channel (网上/纸质, then 合计) and respondent
    category, with the satisfaction rate, and signature lines for the counting staff."""

    identifier = "cepin"
    position = 6
    title = "党员群众测评统计表"
    has_pdf = True
    signatures = ("计票人", "监票人", "审核人", "单位盖章", "日期")

    @cached_property
    def rows(self):
        return list(selectors.scoped_targets(self.campaign, self.scope))

    def row_count(self):
        return len(self.rows) * 3

    @cached_property
    def categories(self):
        return selectors.survey_categories(self.campaign)

    def columns(self):
        cols = [Column("序号", 5, "int"), Column("组织编码", 11), Column("组织名称", 22, wrap=True),
                Column("渠道", 9)]
        for _, cat_label in self.categories + [("total", "合计")]:
            cols += [Column("满意", 6, "int", group=cat_label), Column("基本满意", 6, "int", group=cat_label),
                     Column("不满意", 6, "int", group=cat_label)]
        cols.append(Column("满意率", 8, "percent"))
        return cols

    def iterate_rows(self):
        breakdown = selectors.survey_breakdown(self.campaign, self.scope)  # small groups already read "<5"
        empty = {"online": selectors.Tally(), "paper": selectors.Tally(), "total": selectors.Tally()}
        for index, org in enumerate(self.rows, start=1):
            tallies = breakdown.get(org.pk, empty)
            for position, (label, tally) in enumerate([("网上测评", tallies["online"]),
                                                       ("纸质测评", tallies["paper"]), ("合计", tallies["total"])]):
                values = [index, org.code, org.name] if position == 0 else [None, "", ""]
                values.append(label)
                for key, _ in self.categories:
                    values += tally.counts[key]
                total = tally.total()
                values += total
                hidden = any(isinstance(v, str) for v in total)
                values.append(None if hidden else selectors.VoteCount(*total).rate)
                yield tuple(values)

    def sheets(self):
        yield Sheet(name=self.title, columns=self.columns(), rows=self.iterate_rows(), count=self.row_count(),
                    notes=[NOTE])
