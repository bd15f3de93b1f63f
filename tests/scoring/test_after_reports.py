"""The 调查摸底与分类定级表 exporter and the previous-round columns of the 一览表, through E's registry."""
import io

import pytest
from openpyxl import load_workbook

from campaigns.models import Phase
from reports.exporters import REGISTRY, get_exporter
from reports.exporters.base import EXTRA_COLUMNS
from reports.writers.pdf import write_pdf
from reports.writers.xlsx import write_xlsx
from scoring.models import INVESTIGATION_CHECKS
from scoring.services.investigation import save_investigation
from tests import factories as f
from tests.scoring.after_helpers import TODAY, grade_all


@pytest.fixture(autouse=True)
def after_exporters():
    """Register reports.exporters_after for these tests only, unless reports.exporters already imports it (then
    it stays as it is): other tests pin the exact set of registered reports."""
    if "diaocha" in REGISTRY:
        yield
        return
    import importlib
    import sys

    if "reports.exporters_after" in sys.modules:
        module = importlib.reload(sys.modules["reports.exporters_after"])
    else:
        module = importlib.import_module("reports.exporters_after")
    yield
    REGISTRY.pop("diaocha", None)
    providers = EXTRA_COLUMNS.get("yilan", [])
    if module.previous_round_columns in providers:
        providers.remove(module.previous_round_columns)


def sheet_rows(exporter):
    buf = io.BytesIO()
    write_xlsx(exporter, buf)
    ws = load_workbook(io.BytesIO(buf.getvalue())).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    header = rows[header_index]
    return header, [dict(zip(header, r, strict=False)) for r in rows[header_index + 1:] if r[0] is not None]


def test_diaocha_xlsx_rows(campaign, tree, staff):
    campaign.phase = Phase.INVESTIGATE
    campaign.save()
    values = {f"{k}_ok": True for k, _ in INVESTIGATION_CHECKS}
    values.update(support_ok=False, support_note="无活动室", summary="=HYPERLINK(\"x\")")
    save_investigation(campaign=campaign, org=tree["vil-2"], actor=staff, values=values)
    grade_all(campaign)
    header, rows = sheet_rows(get_exporter("diaocha")(campaign, today=TODAY))
    assert "调查摸底·组织设置是否合理" in header and "定级等次" in header
    by_code = {r["组织编码"]: r for r in rows}
    assert len(rows) == 7
    vil2 = by_code["vil-2"]
    assert vil2["调查摸底·经费场所保障是否落实"] == "否" and vil2["调查摸底·作用发挥是否充分"] == "是"
    assert "经费场所保障是否落实：无活动室" in vil2["主要问题及情况说明"]
    assert vil2["定级等次"] == "一般"
    assert by_code["vil-3"]["调查摸底·组织设置是否合理"] == "未填写"


def test_diaocha_pdf(campaign, tree, staff):
    grade_all(campaign)
    buf = io.BytesIO()
    write_pdf(get_exporter("diaocha")(campaign, today=TODAY), buf)
    data = buf.getvalue()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "调查摸底与分类定级表" in text and "二村党支部" in text


def test_yilan_has_previous_round_columns_only_for_second_rounds(tree, staff):
    first = f.campaign(tree["county"], slug="c2025", year=2025)
    grade_all(first, {"vil-2": "先进", "ag-1": "一般"})
    second = f.campaign(tree["county"], slug="c2026", year=2026, previous=first)
    grade_all(second, {"vil-2": "一般", "ag-1": "较好"})
    header, _ = sheet_rows(get_exporter("yilan")(first, today=TODAY))
    assert "上一轮等次" not in header
    header, rows = sheet_rows(get_exporter("yilan")(second, today=TODAY))
    by_code = {r["组织编码"]: r for r in rows}
    assert (by_code["vil-2"]["上一轮等次"], by_code["vil-2"]["升降情况"]) == ("先进", "降级")
    assert (by_code["ag-1"]["上一轮等次"], by_code["ag-1"]["升降情况"]) == ("一般", "晋位升级")
    assert by_code["vil-3"]["升降情况"] == "未定级"


def test_diaocha_constant_queries(tree, staff, django_assert_max_num_queries):
    from tests.scoring.grading_helpers import big_township

    for n, slug in ((20, "s"), (200, "l")):
        town = big_township(tree, n, code=f"town-{slug}")
        c = f.campaign(town, slug=slug, sectors=("村",))
        exporter = get_exporter("diaocha")(c, today=TODAY)
        with django_assert_max_num_queries(15):
            rows = list(exporter.iterate_rows())
        assert len(rows) == n
