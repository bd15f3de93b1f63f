"""Every report's content on the fixture campaign (builders.scenario), through the public writers."""
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from reports.exporters import REGISTRY, Column, get_exporter, register_columns
from reports.exporters.base import EXTRA_COLUMNS
from tests.reports import builders
from tests.reports.helpers import pdf, pdf_text, table, values, xlsx

YILAN_HEADER = ["序号", "组织编码", "组织名称", "上级党组织", "所属领域", "组织类型", "书记", "党员人数", "自评得分",
                "满意票数", "基本满意票数", "不满意票数", "满意率", "评定得分", "综合得分", "计算等次", "最终等次", "备注"]
TREE_ORDER = ["vil-1", "vil-2", "com-1", "vil-3", "agency", "ag-1", "ag-2"]

pytestmark = pytest.mark.django_db


def test_registry_has_every_report_of_spec():
    assert {"yilan", "huizong", "mingxi", "taizhang", "dengji", "cepin", "weifazhan", "zhenggai"} <= set(REGISTRY)
    mine = ["yilan", "huizong", "mingxi", "taizhang", "dengji", "cepin", "zhenggai", "weifazhan"]
    assert {k for k in mine if REGISTRY[k].has_pdf} == {"yilan", "huizong", "dengji", "cepin", "zhenggai"}
    assert not REGISTRY["mingxi"].has_pdf and not REGISTRY["weifazhan"].has_pdf


def test_yilan_header_rows_and_values(campaign, data):
    wb = xlsx(campaign, "yilan")
    ws = wb.active
    assert ws["A1"].value == "分类定级情况一览表"
    assert ws["A2"].value.startswith("填报单位：示范县委")
    header, rows = table(ws)
    assert header == YILAN_HEADER
    assert [r[1].value for r in rows] == TREE_ORDER  # every 定级对象, graded or not, in tree order
    by_code = {r[1].value: r for r in rows}
    v1 = by_code["vil-1"]
    assert values(v1)[:8] == [1, "vil-1", "一村党总支", "甲镇党委", "村", "党总支", "一村书记", 20]
    assert v1[8].value == 90 and v1[8].data_type == "n"
    assert [c.value for c in v1[9:12]] == [14, 3, 1] and all(c.data_type == "n" for c in v1[9:12])
    assert v1[12].data_type == "n" and v1[12].number_format == "0.0%"
    assert abs(v1[12].value - 17 / 18) < 1e-6
    assert v1[13].value == 84 and v1[14].value == 85 and v1[15].value == "先进" and v1[16].value == "先进"
    v2 = by_code["vil-2"]
    assert v2[15].value == "一般" and v2[16].value == "后进"
    assert "村务公开不到位" in v2[17].value  # the override reason
    # no grade yet: the engine's explanation of what is missing (what a recompute stores on the grade)
    assert by_code["com-1"][17].value == "未定级：缺少测评数据；缺少评定得分"
    assert by_code["com-1"][8].value == 88  # the submitted self-evaluation, before any grade
    assert by_code["ag-2"][17].value == "未定级：缺少自评得分；缺少测评数据；缺少评定得分"
    # frozen header, A4 landscape, print titles
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.print_title_rows == "$3:$3"


def test_formula_looking_text_is_stored_as_text(campaign, data):
    for report in ("yilan", "dengji", "weifazhan", "mingxi"):
        wb = xlsx(campaign, report)
        cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        names = {c.value: c for c in cells if c.value in ("=SUM(A1)", "+86 教育局党支部")}
        if report != "weifazhan":
            assert names["=SUM(A1)"].data_type == "s", report
        assert names["+86 教育局党支部"].data_type == "s", report
        assert not any(c.data_type == "f" for c in cells), report


def test_huizong_totals_equal_graded_orgs(campaign, data):
    wb = xlsx(campaign, "huizong")
    assert wb.sheetnames == ["按单位", "按领域"]
    for ws in wb:
        header, rows = table(ws)
        assert header[:4] == ["序号", "单位" if ws.title == "按单位" else "领域", "定级对象数", "已定级数"]
        total = values(rows[-1])
        assert total[1] == "合计"
        assert total[2] == 7 and total[3] == 5 and total[-1] == 2
        labels = [h.split("·")[0] for h in header if h.endswith("·个数")]
        counts = {label: total[header.index(f"{label}·个数")] for label in labels}
        assert counts == {"先进": 1, "一般": 0, "后进": 2, "好": 1, "较好": 1, "较差": 0}
        assert sum(counts.values()) == total[3]
        for row in rows[:-1]:  # each row's grade counts add up to its graded orgs
            v = values(row)
            assert sum(v[header.index(f"{label}·个数")] for label in labels) == v[3]
        share = rows[-1][header.index("后进·占比")]
        assert share.number_format == "0.0%" and abs(share.value - 0.4) < 1e-9
    units = [values(r)[1] for r in table(wb["按单位"])[1]]
    assert units == ["甲镇党委", "乙镇党委", "县直机关工委", "合计"]


def test_mingxi_one_sheet_per_sector_with_indicator_scores(campaign, data):
    wb = xlsx(campaign, "mingxi")
    assert wb.sheetnames == ["村", "社区", "机关事业单位"]
    header, rows = table(wb["村"])
    assert header[4:6] == ["党组织带头人（15.0分）·自评", "党组织带头人（15.0分）·评定"]
    assert [r[1].value for r in rows] == ["vil-1", "vil-2", "vil-3"]
    v1 = values(rows[0])
    # vil-1: self 90 → 90% of each criterion max; review 84 → 84%
    assert Decimal(str(v1[4])) == Decimal("13.6") and Decimal(str(v1[5])) == Decimal("12.6")
    assert v1[header.index("自评得分")] == 90 and v1[header.index("最终等次")] == "先进"


def test_taizhang_dates_and_people(campaign, data):
    header, rows = table(xlsx(campaign, "taizhang").active)
    assert header[4:] == ["自评提交日期", "自评提交人", "测评日期", "测评情况", "评定日期", "评定人", "公示日期",
                          "公示发布人", "定级日期", "定级经办", "最终等次"]
    v1 = dict(zip(header, values(rows[0]), strict=False))
    assert v1["自评提交人"] == "甲镇评定人" and v1["自评提交日期"] is not None
    assert "纸质票录入：组织部小王、组织部小李" in v1["测评情况"]
    assert v1["定级日期"] is not None and v1["最终等次"] == "先进"
    v2 = dict(zip(header, values(rows[1]), strict=False))
    assert v2["定级经办"].startswith("调整")


def test_cepin_tally_by_channel_and_category(campaign, data):
    header, rows = table(xlsx(campaign, "cepin").active)
    assert header[3] == "渠道" and "党员·满意" in header and "合计·不满意" in header and header[-1] == "满意率"
    assert len(rows) == 7 * 3
    online, paper, both = (dict(zip(header, values(r), strict=False)) for r in rows[:3])
    assert online["渠道"] == "网上测评" and online["党员·满意"] == 6
    # categories with 1–4 votes read "<5" (surveys.disclosure): online 未注明身份 3/1/0 and paper 未注明身份
    # 2/1/0 (overall 5/2/1 minus 群众代表 3/1/1, which has 5 votes and stays)
    assert [online["未注明身份·满意"], online["未注明身份·基本满意"]] == ["<5", "<5"]
    assert paper["群众代表·满意"] == 3 and paper["未注明身份·满意"] == "<5" and paper["合计·满意"] == 5
    assert [both["合计·满意"], both["合计·基本满意"], both["合计·不满意"]] == [14, 3, 1]
    for row in rows:  # no category of 1–4 votes anywhere: each reads "<5" whole, or sums to 0 or at least 5
        cells = values(row)[4:-4]
        for group in (cells[i:i + 3] for i in range(0, len(cells), 3)):
            assert group == ["<5"] * 3 or sum(group) == 0 or sum(group) >= 5, group
    assert abs(both["满意率"] - 17 / 18) < 1e-6


def test_unconfirmed_paper_entry_is_not_counted(campaign, data, tree, staff):
    builders.paper(campaign, tree["vil-3"], {"overall": [9, 0, 0]}, [staff])  # one entry only
    header, rows = table(xlsx(campaign, "cepin").active)
    vil3 = [dict(zip(header, values(r), strict=False)) for r in rows[9:12]]
    assert vil3[1]["合计·满意"] == 0


def test_weifazhan_lists_only_orgs_without_recruits(campaign, data):
    header, rows = table(xlsx(campaign, "weifazhan").active)
    assert "近三年发展党员数" in header
    assert [r[1].value for r in rows] == ["vil-3", "ag-2"]
    assert all(r[header.index("近三年发展党员数")].value == 0 for r in rows)


def test_dengji_xlsx_one_row_per_org(campaign, data):
    header, rows = table(xlsx(campaign, "dengji").active)
    assert len(rows) == 7 and "评定意见" in header
    v1 = dict(zip(header, values(rows[0]), strict=False))
    assert v1["评定意见"] == "班子团结，工作扎实。"
    assert "党组织带头人 13.6/12.6" in v1["各项指标得分（自评/评定）"]


def test_reviewer_scope_limits_rows(campaign, data, tree):
    header, rows = table(xlsx(campaign, "yilan", scope=tree["town-a"]).active)
    assert [r[1].value for r in rows] == ["vil-1", "vil-2", "com-1"]
    header, rows = table(xlsx(campaign, "huizong", scope=tree["town-a"])["按领域"])
    assert values(rows[-1])[2] == 3


@pytest.mark.parametrize("report", ["yilan", "huizong", "dengji", "cepin", "zhenggai"])
def test_pdfs_open_with_chinese_text(campaign, data, report):
    reader, raw = pdf(campaign, report)
    text = pdf_text(reader)
    assert REGISTRY[report].title in text.replace(" ", "")
    assert "示范县委" in text and "第 1 页" in text
    assert "单位盖章" in text.replace(" ", "") or "盖章" in text
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert b"NotoSansCJK" in raw.replace(b"-", b"") or any("Noto" in f for f in fonts)


def test_dengji_pdf_one_page_per_org(campaign, data):
    reader, _ = pdf(campaign, "dengji")
    assert len(reader.pages) == 7
    assert "一村党总支" in reader.pages[0].extract_text() and "班子团结" in reader.pages[0].extract_text()
    assert "=SUM(A1)" in reader.pages[5].extract_text()
    assert "第 7 页" in reader.pages[6].extract_text()


def test_long_pdf_is_chunked_without_gaps_and_numbered(campaign, data, monkeypatch):
    """Chunks of 3 rows (grown until a chunk fills a page), parts of one page joined with pypdf: the same pages
    as one document of the whole table, numbered 1..N, every row once, header on every page."""
    import re

    from reports.writers import pdf as pdf_writer

    big = builders.many_orgs(60, slug="chunky")
    single, _ = pdf(big, "yilan")
    monkeypatch.setattr(pdf_writer, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pdf_writer, "FLUSH_PAGES", 1)
    reader, _ = pdf(big, "yilan")
    texts = [p.extract_text() for p in reader.pages]
    rows_per_page = [len(re.findall(r"chunky第\d+村党支部", t)) for t in texts]
    assert rows_per_page == [len(re.findall(r"chunky第\d+村党支部", p.extract_text())) for p in single.pages]
    assert len(texts) >= 2
    for n, text in enumerate(texts, start=1):
        assert f"第 {n} 页" in text
        assert "序号" in text  # the header repeats on every page
    joined = "\n".join(texts)
    for i in range(60):  # every row exactly once, in order
        assert joined.count(f"chunky第{i}村党支部") == 1, i
    assert "填表人" in texts[-1] and "填表人" not in texts[0]


def test_pdf_refused_for_xlsx_only_report(campaign, data):
    from reports.services import ExportError, render_report

    with pytest.raises(ExportError, match="没有 PDF"):
        render_report(get_exporter("mingxi")(campaign), "pdf", "/tmp/never.pdf")


@pytest.mark.parametrize("report", ["yilan", "huizong", "mingxi", "taizhang", "dengji", "cepin", "weifazhan",
                                    "zhenggai"])
def test_query_count_does_not_grow_with_orgs(report, django_assert_max_num_queries, db):
    from io import BytesIO

    from reports.services import render_report

    small, big = builders.many_orgs(20, slug="q20"), builders.many_orgs(200, slug="q200")
    for c in (small, big):
        exporter = get_exporter(report)(c)
        with django_assert_max_num_queries(12):
            render_report(exporter, "xlsx", BytesIO())


def test_extra_columns_through_the_registry(campaign, data, monkeypatch):
    monkeypatch.setattr("reports.exporters.base.EXTRA_COLUMNS", {k: list(v) for k, v in EXTRA_COLUMNS.items()})

    @register_columns("yilan")
    def previous_grade(exporter):
        return [Column("上一轮等次", 9)], lambda row: (f"上轮{row.org.code}",)

    header, rows = table(xlsx(campaign, "yilan").active)
    assert header == YILAN_HEADER + ["上一轮等次"]
    assert rows[0][-1].value == "上轮vil-1"


def test_export_command(campaign, data, tmp_path, capsys):
    out = tmp_path / "yilan.xlsx"
    call_command("export", "yilan", "--campaign", campaign.slug, "--format", "xlsx", "--output", str(out))
    import openpyxl

    assert openpyxl.load_workbook(out).active["A1"].value == "分类定级情况一览表"
    out_pdf = tmp_path / "cepin.pdf"
    call_command("export", "cepin", "--campaign", campaign.slug, "--format", "pdf", "--output", str(out_pdf))
    assert out_pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="没有报表“nope”"):
        call_command("export", "nope", "--campaign", campaign.slug, "--format", "xlsx", "--output", str(out))
    with pytest.raises(CommandError, match="没有 PDF"):
        call_command("export", "weifazhan", "--campaign", campaign.slug, "--format", "pdf", "--output", str(out))
    with pytest.raises(CommandError, match="没有代码为“zzz”"):
        call_command("export", "yilan", "--campaign", "zzz", "--format", "xlsx", "--output", str(out))
    with pytest.raises(CommandError, match="xlsx 或 pdf"):
        call_command("export", "yilan", "--campaign", campaign.slug, "--format", "csv", "--output", str(out))


def _plans(campaign, tree, staff):
    import datetime

    from rectification.models import (
        ItemStatus,
        RectificationItem,
        RectificationPlan,
        RectificationProgress,
        Tier,
    )

    p2 = RectificationPlan.objects.create(campaign=campaign, org=tree["vil-2"], label="后进", tier=Tier.BOTTOM,
                                          yellow_card=True, yellow_card_deadline=datetime.date(2026, 12, 31),
                                          contact_leader="王副部长")
    item = RectificationItem.objects.create(plan=p2, problem="村务公开不及时", measures="每月公开一次",
                                            responsible="二村书记", deadline=datetime.date(2026, 10, 1),
                                            status=ItemStatus.ACCEPTED, reviewed_by=staff,
                                            reviewed_at=timezone_now(), review_note="已落实")
    RectificationProgress.objects.create(item=item, text="已建立公开栏", reported_by=staff)
    RectificationItem.objects.create(plan=p2, problem="=HYPERLINK(\"x\")", measures="-整改", responsible="@张三",
                                     deadline=datetime.date(2026, 11, 1))
    RectificationPlan.objects.create(campaign=campaign, org=tree["vil-3"], label="后进", tier=Tier.BOTTOM)
    RectificationPlan.objects.create(campaign=campaign, org=tree["agency"], label="好", tier=Tier.TOP,
                                     share_experience=True)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_zhenggai_rows_per_item(campaign, data, tree, staff):
    _plans(campaign, tree, staff)
    header, rows = table(xlsx(campaign, "zhenggai").active)
    assert header == ["序号", "组织编码", "组织名称", "上级党组织", "定级等次", "类别", "联系领导", "存在问题", "整改措施",
                      "责任人", "完成时限", "整改状态", "是否验收", "验收情况", "最新进展"]
    got = [dict(zip(header, values(r), strict=False)) for r in rows]
    assert [g["组织编码"] for g in got] == ["vil-2", None, "vil-3", "agency"]
    assert got[0]["定级等次"] == "后进" and "黄牌期限 2026-12-31" in got[0]["类别"]
    assert got[0]["是否验收"] == "是" and got[0]["最新进展"] == "已建立公开栏" and "已落实" in got[0]["验收情况"]
    assert got[1]["是否验收"] == "否" and got[1]["整改状态"] == "整改中"
    assert rows[1][header.index("存在问题")].data_type == "s"  # =HYPERLINK stays text
    assert got[2]["存在问题"] == "尚未报送整改事项" and got[3]["存在问题"] == "经验推广，无需整改"
    reader, _ = pdf(campaign, "zhenggai")
    text = pdf_text(reader)
    assert "整改汇总表" in text.replace(" ", "") and "村务公开不及时" in text


def test_taizhang_uses_published_publicity(campaign, data, tree, staff):
    import datetime

    from publicity.models import Publicity

    Publicity.objects.create(campaign=campaign, starts_on=datetime.date(2026, 6, 1), ends_on=datetime.date(2026, 6, 2),
                             published_by=staff, published_at=timezone_now())
    header, rows = table(xlsx(campaign, "taizhang").active)
    v1 = dict(zip(header, values(rows[0]), strict=False))
    assert v1["公示日期"].date() == datetime.date(2026, 6, 1) and v1["公示发布人"] == "组织部小王"
    com1 = dict(zip(header, values(rows[2]), strict=False))
    assert com1["公示日期"] is None  # not graded, not published


def test_report_and_grading_agree_on_inputs_from_every_channel(campaign, data, tree, staff):
    """com-1 has online, confirmed paper and offline-imported votes: the reports show the same inputs before and
    after the grade is computed, and the same as the grade (the old fallback left the offline votes out)."""
    from scoring.models import Grade, OfflineVotes, SheetKind
    from scoring.services.grading import recompute_org

    org = tree["com-1"]
    builders.sheet(campaign, org, SheetKind.REVIEW, "80.0")
    builders.responses(campaign, org, 4, 1, 0)
    builders.paper(campaign, org, {"overall": [3, 1, 0]}, [staff, data["second"]])
    OfflineVotes.objects.create(campaign=campaign, org=org, satisfied=2, basic=0, unsatisfied=1)

    def yilan_row():
        header, rows = table(xlsx(campaign, "yilan").active)
        return dict(zip(header, values(next(r for r in rows if r[1].value == "com-1")), strict=False))

    def cepin_total():
        header, rows = table(xlsx(campaign, "cepin").active)
        i = [r[1].value for r in rows].index("com-1")
        both = dict(zip(header, values(rows[i + 2]), strict=False))
        return [both["合计·满意"], both["合计·基本满意"], both["合计·不满意"]]

    before = yilan_row()
    assert [before["满意票数"], before["基本满意票数"], before["不满意票数"]] == [9, 2, 1]
    assert before["自评得分"] == 88 and before["评定得分"] == 80
    assert before["备注"] == "尚未定级"  # nothing missing: it waits for a recompute
    assert cepin_total() == [9, 2, 1]
    grade = recompute_org(campaign=campaign, org=org)
    assert (grade.votes_satisfied, grade.votes_basic, grade.votes_unsatisfied) == (9, 2, 1)
    after = yilan_row()
    assert {k: after[k] for k in ("满意票数", "基本满意票数", "不满意票数", "自评得分", "评定得分", "满意率")} == \
        {k: before[k] for k in ("满意票数", "基本满意票数", "不满意票数", "自评得分", "评定得分", "满意率")}
    assert after["计算等次"] == grade.computed_label != "" and after["备注"] == grade.explanation
    assert cepin_total() == [9, 2, 1]
    assert Grade.objects.filter(campaign=campaign, org=org).count() == 1


def test_reports_show_the_engine_s_decision_not_a_recomputed_check(campaign, data, tree):
    """ag-2 has only offline-imported votes: without a grade the old reports said 缺少测评数据; the remark is the
    engine's own explanation, and after grading its floor gate (机关事业单位 0.60, p = 0.55) as the engine
    decided it."""
    from scoring.models import OfflineVotes, SheetKind
    from scoring.services.grading import recompute_org

    org = tree["ag-2"]
    builders.sheet(campaign, org, SheetKind.SELF, "85.0", scores=False)
    OfflineVotes.objects.create(campaign=campaign, org=org, satisfied=11, basic=0, unsatisfied=9)

    def row():
        header, rows = table(xlsx(campaign, "yilan").active)
        return dict(zip(header, values(next(r for r in rows if r[1].value == "ag-2")), strict=False))

    assert row()["备注"] == "未定级：缺少评定得分（测评票数：满意 11、基本满意 0、不满意 9）"
    builders.sheet(campaign, org, SheetKind.REVIEW, "85.0", scores=False)
    grade = recompute_org(campaign=campaign, org=org)
    shown = row()
    assert shown["计算等次"] == "较差" and "满意率 55% < 60%，直接定为较差" in shown["备注"]
    assert shown["备注"] == grade.explanation


@pytest.mark.parametrize("report", ["yilan", "mingxi", "dengji", "diaocha"])
def test_query_count_with_ungraded_orgs_does_not_grow(report, django_assert_max_num_queries, db):
    """Orgs without a grade: the reports read their grade inputs (scoring.selectors.grade_inputs) once."""
    from io import BytesIO

    from reports.services import render_report
    from scoring.models import Grade

    small, big = builders.many_orgs(20, slug="u20"), builders.many_orgs(200, slug="u200")
    Grade.objects.all().delete()
    for c in (small, big):
        with django_assert_max_num_queries(12):
            render_report(get_exporter(report)(c), "xlsx", BytesIO())
