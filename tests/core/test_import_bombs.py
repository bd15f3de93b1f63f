"""Each import, through its public service, refuses the three bombs of the hardening issue within seconds, with a
Chinese message, and saves nothing: a decompression bomb (a zip declaring far more than the cap), a shared-strings
bomb (more distinct texts than the cap), and, for the rubric, 300,000 rows."""
import io
import time

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from branches.models import Org
from branches.services import ORG_COLUMNS, parse_org_workbook
from campaigns import rubrics
from campaigns.models import RubricVersion
from core.workbook import ORG_TREE, RUBRIC, SCORES
from scoring.models import OfflineVotes
from scoring.services import offline_scores
from tests import factories as f
from tests.core.zips import SHEET, declared_size, rewritten, shared_strings, with_shared_strings, xlsx_sheet

pytestmark = pytest.mark.django_db


def _workbook(header) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(list(header))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _decompression_bomb(header, caps) -> bytes:
    """A small file whose directory declares a sheet larger than the cap's decompressed limit."""
    return declared_size(_workbook(header), SHEET, caps.unzipped_bytes + 1)


def _strings_bomb(header, caps) -> bytes:
    return with_shared_strings(_workbook(header), shared_strings(10, declared=caps.shared_strings + 1))


def _org_messages(data):
    plan = parse_org_workbook(io.BytesIO(data))
    return [p.message if hasattr(p, "message") else str(p) for p in plan.errors]


def _rubric_messages(data):
    with pytest.raises(ValidationError) as exc:
        rubrics.import_rubric(file=io.BytesIO(data), sector="村", name="炸弹", actor=None)
    return exc.value.messages


def _scores_messages(data):
    campaign = f.campaign(f.county()["county"])
    with pytest.raises(ValidationError) as exc:
        offline_scores.import_scores(campaign=campaign, fileobj=io.BytesIO(data), actor=None)
    return exc.value.messages


IMPORTS = {
    "org tree": (ORG_COLUMNS, ORG_TREE, _org_messages, lambda: Org.objects.count()),
    "rubric": (rubrics.COLUMNS, RUBRIC, _rubric_messages, lambda: RubricVersion.objects.filter(name="炸弹").count()),
    "scores": (offline_scores.COLUMNS, SCORES, _scores_messages, lambda: OfflineVotes.objects.count()),
}


@pytest.mark.parametrize("bomb", [_decompression_bomb, _strings_bomb], ids=["decompression", "shared strings"])
@pytest.mark.parametrize("name", IMPORTS)
def test_each_import_refuses_the_bombs_within_seconds(name, bomb):
    f.sector("村")
    header, caps, messages_of, saved = IMPORTS[name]
    before = saved()
    started = time.perf_counter()
    messages = messages_of(bomb(header, caps))
    assert time.perf_counter() - started < 5
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages
    assert any("过大" in m or "过多" in m for m in messages), messages
    assert saved() == before


def test_a_300000_row_rubric_is_refused_within_seconds():
    f.sector("村")
    rows = [[f"指标{n // 2}", "10", f"细则{n}", "5", ""] for n in range(300_000)]
    data = rewritten(_workbook(rubrics.COLUMNS), {SHEET: xlsx_sheet(rubrics.COLUMNS, rows)})
    started = time.perf_counter()
    messages = _rubric_messages(data)
    assert time.perf_counter() - started < 10
    # 300,000 rows weigh more than the rubric's 2 MB: refused by its size before any row is read
    assert messages in (["文件过大（超过 2 MB）：评分标准工作簿最大 2 MB，请分批导入。"],
                        [f"数据行过多（超过 {RUBRIC.rows} 行）：评分标准工作簿最多 {RUBRIC.rows} 行，请分批导入。"])
    assert not RubricVersion.objects.filter(name="炸弹").exists()
