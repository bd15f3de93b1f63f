"""Offline score import: command and staff page (preview → confirm); all or nothing, every problem located."""
import re
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEntry
from scoring.models import (
    Grade,
    OfflineVotes,
    ScoreSheet,
    SheetKind,
    SheetSource,
    SheetStatus,
)
from tests.conftest import login

HEADER = ["组织编码", "自评得分", "满意票", "基本满意票", "不满意票", "评定得分"]


def workbook(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    if header is not None:
        ws.append(header)
    for r in rows:
        ws.append(r)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(tmp_path, content, name="scores.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def run(tmp_path, campaign, content):
    out = StringIO()
    call_command("import_scores", write(tmp_path, content), "--campaign", campaign.slug, stdout=out)
    return out.getvalue()


def test_command_imports_and_grades(tmp_path, campaign, tree):
    out = run(tmp_path, campaign, workbook([
        ["com-1", 95, 9, 1, 0, 92.5],
        ["vil-2", "85.5", 10, 0, 0, None],
        ["ag-1", None, None, None, None, 70],
    ]))
    assert "已导入 3 行" in out
    sheet = ScoreSheet.objects.get(campaign=campaign, org=tree["com-1"], kind=SheetKind.SELF)
    assert sheet.source == SheetSource.OFFLINE and sheet.status == SheetStatus.SUBMITTED and str(sheet.total) == "95.0"
    assert OfflineVotes.objects.get(campaign=campaign, org=tree["com-1"]).satisfied == 9
    grade = Grade.objects.get(campaign=campaign, org=tree["com-1"])
    assert grade.computed_label == "好" and str(grade.total) == "95.3"
    assert Grade.objects.get(campaign=campaign, org=tree["vil-2"]).explanation.startswith("未定级：缺少评定得分")
    assert not OfflineVotes.objects.filter(org=tree["ag-1"]).exists()
    entry = AuditEntry.objects.get(action="scores.import")
    assert entry.after["com-1"]["自评得分"] == "95.0" and entry.after["com-1"]["线下票数"] == [9, 1, 0]


def test_blank_leaves_stored_values(tmp_path, campaign, tree):
    run(tmp_path, campaign, workbook([["com-1", 95, 9, 1, 0, 92.5]]))
    run(tmp_path, campaign, workbook([["com-1", None, None, None, None, 80]]))
    assert str(ScoreSheet.objects.get(org=tree["com-1"], kind=SheetKind.SELF).total) == "95.0"
    assert str(ScoreSheet.objects.get(org=tree["com-1"], kind=SheetKind.REVIEW).total) == "80.0"
    assert OfflineVotes.objects.get(org=tree["com-1"]).satisfied == 9


@pytest.mark.parametrize("rows, header, messages", [
    ([["nope", 90, 1, 1, 1, 90]], HEADER, ["第2行 A列（组织编码）：没有编码为“nope”的党组织。"]),
    ([["vil-1-b1", 90, 1, 1, 1, 90]], HEADER, ["第2行 A列（组织编码）：“vil-1-b1”不是本次定级工作"]),
    ([["county", 90, 1, 1, 1, 90]], HEADER, ["“county”不是本次定级工作"]),
    ([["com-1", 100.5, 1, 1, 1, -1]], HEADER, ["第2行 B列（自评得分）：100.5 超出 0～100 的范围。",
                                               "第2行 F列（评定得分）：-1 超出 0～100 的范围。"]),
    ([["com-1", "85.55", 1, 1, 1, 90]], HEADER, ["第2行 B列（自评得分）：85.55 最多保留一位小数。"]),
    ([["com-1", "八十", 1, 1, 1, 90]], HEADER, ["第2行 B列（自评得分）：“八十”不是数字。"]),
    ([["com-1", 90, -1, 1, 1, 90]], HEADER, ["第2行 C列（满意票）：-1 是负数。"]),
    ([["com-1", 90, 1, 1.5, 1, 90]], HEADER, ["第2行 D列（基本满意票）：1.5 不是整数。"]),
    ([["com-1", 90, 1, None, 1, 90]], HEADER, ["第2行：满意票、基本满意票、不满意票须同时填写或同时留空（未填写：D列基本满意票）。"]),
    ([["com-1", 90, 1, 1, 1, 90], ["com-1", 91, 1, 1, 1, 90]], HEADER, ["第3行 A列（组织编码）：“com-1”与第2行重复。"]),
    ([[None, 90, 1, 1, 1, 90]], HEADER, ["第2行 A列（组织编码）：未填写。"]),
    ([["com-1", 90]], ["组织编码", "自评得分"], ["缺少列：满意票、基本满意票、不满意票、评定得分"]),
    ([], HEADER, ["只有表头，没有数据行"]),
    ([], None, ["工作簿是空的"]),
])
def test_bad_workbooks_rejected_whole(tmp_path, campaign, tree, rows, header, messages):
    # a valid row first: nothing of it may be saved either
    content = workbook(rows + [["vil-2", 80, 5, 0, 0, 80]] if rows else rows, header=header)
    with pytest.raises(CommandError) as info:
        run(tmp_path, campaign, content)
    text = str(info.value)
    for m in messages:
        assert m in text, text
    assert not ScoreSheet.objects.exists() and not OfflineVotes.objects.exists() and not Grade.objects.exists()


def test_not_a_workbook(tmp_path, campaign):
    with pytest.raises(CommandError, match="不是有效的 Excel 工作簿"):
        run(tmp_path, campaign, b"this is a text file, not xlsx")


def test_every_problem_listed(tmp_path, campaign, tree):
    with pytest.raises(CommandError) as info:
        run(tmp_path, campaign, workbook([["nope", 90, 1, 1, 1, 90], ["com-1", 101, 1, 1, 1, 90]]))
    assert "第2行 A列" in str(info.value) and "第3行 B列" in str(info.value)


def test_extra_columns_and_order_free(tmp_path, campaign, tree):
    header = ["备注", "评定得分", "不满意票", "基本满意票", "满意票", "自评得分", "组织编码"]
    run(tmp_path, campaign, workbook([["x", 90, 0, 0, 10, 90, "com-1"]], header=header))
    assert Grade.objects.get(org=tree["com-1"]).computed_label == "好"


# ------------------------------------------------------------------ web page

def upload(client, campaign, content):
    return client.post(reverse("import_scores", args=[campaign.slug]), {"file": SimpleUploadedFile("s.xlsx", content)})


def confirm_url(campaign):
    return reverse("import_scores_confirm", args=[campaign.slug])


def test_page_preview_then_confirm(client, campaign, tree, staff):
    login(client, staff)
    response = client.get(reverse("import_scores", args=[campaign.slug]))
    assert response.status_code == 200 and "组织编码" in response.content.decode()
    response = upload(client, campaign, workbook([["com-1", 95, 9, 1, 0, 92.5]]))
    body = response.content.decode()
    assert response.status_code == 200 and "甲镇社区党支部" in body and "确认导入" in body
    assert not ScoreSheet.objects.exists()  # preview writes nothing
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    response = client.post(confirm_url(campaign), {"token": token})
    assert response.status_code == 302
    assert Grade.objects.get(org=tree["com-1"]).computed_label == "好"
    # the stored upload is consumed: confirming twice does nothing more
    response = client.post(confirm_url(campaign), {"token": token}, follow=True)
    assert "请先上传" in response.content.decode()


def test_page_shows_every_error(client, campaign, tree, staff):
    login(client, staff)
    response = upload(client, campaign, workbook([["nope", 90, 1, 1, 1, 90], ["com-1", 101, 1, 1, 1, 90]]))
    body = response.content.decode()
    assert "第2行 A列（组织编码）" in body and "第3行 B列（自评得分）" in body and "确认导入" not in body


@pytest.mark.parametrize("persona, status", [("reviewer_of_township", 403), ("secretary_of_branch", 403)])
def test_page_refuses_other_roles(client, request, campaign, persona, status):
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("import_scores", args=[campaign.slug])).status_code == status


def test_page_needs_login(client, campaign):
    response = client.get(reverse("import_scores", args=[campaign.slug]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_confirm_takes_post_only(client, campaign, staff):
    assert login(client, staff).get(confirm_url(campaign)).status_code == 405


@pytest.mark.parametrize("persona", ["reviewer_of_township", "secretary_of_branch"])
def test_confirm_refuses_other_roles(client, request, campaign, tree, staff, persona):
    login(client, staff)
    body = upload(client, campaign, workbook([["com-1", 95, 9, 1, 0, 92.5]])).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)
    client.logout()
    assert login(client, request.getfixturevalue(persona)).post(confirm_url(campaign),
                                                               {"token": token}).status_code == 403
    client.logout()
    response = client.post(confirm_url(campaign), {"token": token})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not ScoreSheet.objects.exists() and not Grade.objects.exists()
