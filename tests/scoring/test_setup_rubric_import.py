"""Rubric import (service and `import_rubric` command): every bad file refused with its row and column, nothing
saved; a good file saved whole; indicator maxima may be repeated or given on the first row only."""
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from campaigns.models import Criterion, Indicator, RubricVersion
from campaigns.rubrics import import_rubric
from tests import factories as f
from tests.scoring.setup_helpers import HEADER, good_rows, workbook_bytes, workbook_file


@pytest.fixture(autouse=True)
def _without_migrated_rubrics(db):
    """These tests count rubric versions from zero; a migrated database starts with the seeded 标准版 ones."""
    from campaigns.models import RubricVersion

    RubricVersion.objects.all().delete()


pytestmark = pytest.mark.django_db


def run(rows, header=HEADER, name="2026版", sector="机关事业单位"):
    f.sector(sector)
    return import_rubric(file=io.BytesIO(workbook_bytes(rows, header)), sector=sector, name=name, actor=None)


def refused(rows, header=HEADER, **kwargs) -> list[str]:
    f.sector("机关事业单位")
    with pytest.raises(ValidationError) as exc:
        run(rows, header, **kwargs)
    assert RubricVersion.objects.count() == 0 and Indicator.objects.count() == 0 and Criterion.objects.count() == 0
    return exc.value.messages


def test_good_file_is_saved_whole_and_audited():
    rubric = run(good_rows())
    indicators = list(rubric.indicators.order_by("position"))
    assert [i.name for i in indicators][:2] == ["党组织带头人", "工作思路"]
    assert sum(i.max_score for i in indicators) == Decimal("100")
    first = list(indicators[0].criteria.order_by("position"))
    assert [(c.text, c.max_score, c.guidance) for c in first] == [
        ("党组织带头人细则一", Decimal("7.5"), "党组织带头人细则一的评分说明"),
        ("党组织带头人细则二", Decimal("7.5"), ""),
    ]
    entry = AuditEntry.objects.get(action="rubric.import")
    assert entry.object_id == str(rubric.pk) and entry.after["版本"] == "2026版"


def test_indicator_max_repeated_on_every_row_is_accepted_and_columns_may_be_reordered_with_extras():
    rows = good_rows()
    for i in range(1, len(rows), 2):
        rows[i][1] = rows[i - 1][1]
    header = ["备注", "细则分值", "评分说明", "细则", "指标", "指标分值"]
    reordered = [["x", r[3], r[4], r[2], r[0], r[1]] for r in rows]
    rubric = run(reordered, header)
    assert rubric.indicators.count() == 7
    assert Criterion.objects.filter(indicator__rubric=rubric).count() == 14


def test_disagreeing_indicator_max_is_refused_with_row_and_column():
    rows = good_rows()
    rows[1][1] = 14
    messages = refused(rows)
    assert any(m.startswith("第3行 B列（指标分值）") and "14" in m and "第2行" in m for m in messages), messages


def test_missing_columns_are_named():
    """Worded by the shared workbook reader, as for every import."""
    header = ["指标", "细则", "评分说明"]
    messages = refused([[r[0], r[2], r[4]] for r in good_rows()], header)
    assert messages == [
        "第 1 行：表头缺少列：指标分值、细则分值。表头须包含：指标、指标分值、细则、细则分值、评分说明（顺序不限）。"
    ]


def test_blank_indicator_name_is_refused():
    rows = good_rows()
    rows[3][0] = None  # second row of 工作思路
    messages = refused(rows)
    assert "第5行 A列（指标）：指标名称为空" in messages


def test_blank_criterion_text_is_refused():
    rows = good_rows()
    rows[0][2] = "  "
    messages = refused(rows)
    assert any(m.startswith("第2行 C列（细则）") and "为空" in m for m in messages), messages


@pytest.mark.parametrize("value, problem", [
    ("五分", "不是数字"), (0, "必须大于 0"), (-2, "必须大于 0"), (7.25, "最多保留一位小数"), (150, "不能超过 100"),
])
def test_bad_criterion_maxima_are_refused(value, problem):
    rows = good_rows()
    rows[2][3] = value
    messages = refused(rows)
    assert any(m.startswith("第4行 D列（细则分值）") and problem in m for m in messages), messages


def test_bad_indicator_maximum_is_refused():
    rows = good_rows()
    rows[2][1] = "十分"
    messages = refused(rows)
    assert any(m.startswith("第4行 B列（指标分值）") and "不是数字" in m for m in messages), messages


def test_missing_criterion_maximum_is_refused():
    rows = good_rows()
    rows[5][3] = None
    messages = refused(rows)
    assert "第7行 D列（细则分值）：细则分值为空" in messages


def test_indicator_without_any_maximum_is_refused():
    rows = good_rows()
    rows[4][1] = None
    messages = refused(rows)
    assert "第6行 B列（指标分值）：指标“工作制度”没有填写指标分值" in messages


def test_criteria_not_summing_to_their_indicator_are_refused():
    rows = good_rows()
    rows[3][3] = 4  # 工作思路 5 + 4 ≠ 10
    messages = refused(rows)
    assert any(m.startswith("第4–5行 D列（细则分值）") and "合计为 9" in m and "指标分值 10" in m
               for m in messages), messages


def test_indicators_not_summing_to_100_are_refused():
    rows = good_rows()[:-2]  # drop 群众反映 (15)
    messages = refused(rows)
    assert "B列（指标分值）：各指标分值合计为 85，应为 100" in messages


def test_non_consecutive_duplicate_indicator_is_refused():
    rows = good_rows()
    rows.append(["工作思路", 5, "又一条", 5, ""])
    messages = refused(rows)
    assert any(m.startswith("第16行 A列（指标）") and "第4行" in m and "重名" in m for m in messages), messages


def test_every_problem_is_listed_at_once():
    rows = good_rows()
    rows[0][3] = "x"
    rows[6][2] = None
    rows[9][0] = None
    messages = refused(rows)
    assert len(messages) >= 3
    assert {m.split("：")[0] for m in messages} >= {"第2行 D列（细则分值）", "第8行 C列（细则）", "第11行 A列（指标）"}


def test_not_a_workbook_is_refused():
    f.sector("村")
    with pytest.raises(ValidationError) as exc:
        import_rubric(file=io.BytesIO(b"PK\x03\x04 not really a zip"), sector="村", name="x", actor=None)
    assert "不是有效的 Excel 工作簿" in exc.value.messages[0]
    assert RubricVersion.objects.count() == 0


def test_empty_file_is_refused():
    f.sector("村")
    with pytest.raises(ValidationError) as exc:
        import_rubric(file=io.BytesIO(b""), sector="村", name="x", actor=None)
    assert "文件为空" in exc.value.messages[0]


def test_workbook_with_header_only_is_refused():
    messages = refused([])
    assert messages == ["工作表中只有表头，没有数据行。"]  # the shared reader's wording, as for every import


def test_blank_sheet_is_refused():
    messages = refused([], header=None)
    assert messages == ["工作表是空的：没有表头，也没有数据行。"]  # the shared reader's wording


def test_more_rows_than_the_rubric_cap_are_refused():
    """The rubric cap (2,000 rows) holds like the other imports' caps; the rows are not read into indicators."""
    rows = [[f"指标{n // 2}", 10, f"细则{n}", 5, ""] for n in range(2_001)]
    assert refused(rows) == ["数据行过多（超过 2000 行）：评分标准工作簿最多 2000 行，请分批导入。"]


def test_a_file_over_the_rubric_size_cap_is_refused_before_it_is_opened():
    f.sector("村")
    with pytest.raises(ValidationError) as exc:
        import_rubric(file=io.BytesIO(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024)), sector="村", name="x", actor=None)
    assert exc.value.messages == ["文件过大（超过 2 MB）：评分标准工作簿最大 2 MB，请分批导入。"]
    assert RubricVersion.objects.count() == 0


def test_header_below_a_title_row_and_with_spaces_is_found():
    rows = good_rows()
    content = workbook_bytes([["评分参考标准（机关事业单位）"], [], ["指 标", "指标分值", "细则", "细则分值 ", "评分说明"],
                              *rows], header=None)
    f.sector("机关事业单位")
    rubric = import_rubric(file=io.BytesIO(content), sector="机关事业单位", name="2026版", actor=None)
    assert rubric.indicators.count() == 7


def test_duplicate_version_name_for_the_sector_is_refused_but_other_sector_may_reuse_it():
    run(good_rows(), name="2026版")
    with pytest.raises(ValidationError) as exc:
        run(good_rows(), name="2026版")
    assert "已有名为“2026版”" in exc.value.messages[0]
    assert RubricVersion.objects.count() == 1
    run(good_rows(), name="2026版", sector="村")
    assert RubricVersion.objects.count() == 2


# ------------------------------------------------------------------------------------------------- command


def test_command_imports(tmp_path):
    f.sector("中小学校")
    out = io.StringIO()
    call_command("import_rubric", str(workbook_file(tmp_path, good_rows())), "--sector", "中小学校", "--name",
                 "2026版", stdout=out)
    assert "7 个指标，14 条细则" in out.getvalue()
    assert RubricVersion.objects.get(sector__name="中小学校", name="2026版").indicators.count() == 7


def test_command_unknown_sector_lists_sectors(tmp_path):
    f.sector("村")
    with pytest.raises(CommandError) as exc:
        call_command("import_rubric", str(workbook_file(tmp_path, good_rows())), "--sector", "火星", "--name", "x")
    assert "没有领域“火星”" in str(exc.value) and "机关事业单位" in str(exc.value)
    assert RubricVersion.objects.count() == 0


def test_command_duplicate_name_is_refused(tmp_path):
    path = workbook_file(tmp_path, good_rows())
    f.sector("村")
    call_command("import_rubric", str(path), "--sector", "村", "--name", "2026版", stdout=io.StringIO())
    with pytest.raises(CommandError) as exc:
        call_command("import_rubric", str(path), "--sector", "村", "--name", "2026版")
    assert "已有名为“2026版”" in str(exc.value)
    assert RubricVersion.objects.count() == 1


def test_command_bad_file_lists_problems_by_row(tmp_path):
    rows = good_rows()
    rows[3][3] = 4
    f.sector("村")
    with pytest.raises(CommandError) as exc:
        call_command("import_rubric", str(workbook_file(tmp_path, rows)), "--sector", "村", "--name", "x")
    assert "未保存任何内容" in str(exc.value) and "第4–5行 D列（细则分值）" in str(exc.value)
    assert RubricVersion.objects.count() == 0


def test_command_missing_file():
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_rubric", "/nonexistent/x.xlsx", "--sector", "村", "--name", "x")
