"""Rubric pages: list, detail, import (upload → preview → confirm), edit (audited), freeze, copy; access."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Criterion, Indicator, RubricVersion
from tests import factories as f
from tests.conftest import login
from tests.scoring.setup_helpers import good_rows, workbook_bytes


@pytest.fixture(autouse=True)
def _without_migrated_rubrics(db):
    """These tests count rubric versions from zero; a migrated database starts with the seeded 标准版 ones."""
    from campaigns.models import RubricVersion

    RubricVersion.objects.all().delete()



def upload(name="r.xlsx", rows=None):
    return SimpleUploadedFile(name, workbook_bytes(good_rows() if rows is None else rows),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


PAGES = ["rubric_list", "rubric_import", "rubric_detail", "rubric_edit", "rubric_copy"]


def url_of(name, rubric):
    return reverse(name, args=[rubric.pk]) if name in ("rubric_detail", "rubric_edit", "rubric_copy") else reverse(name)


@pytest.mark.parametrize("page", PAGES)
def test_staff_only(client, page, tree, staff, reviewer_of_township, secretary_of_branch):
    rubric = f.rubric("村")
    url = url_of(page, rubric)
    assert client.get(url).status_code == 302 and "/login/" in client.get(url)["Location"]
    assert login(client, secretary_of_branch).get(url).status_code == 403
    assert login(client, reviewer_of_township).get(url).status_code == 403
    assert login(client, staff).get(url).status_code == 200


def test_unknown_rubric_is_404(client, staff):
    assert login(client, staff).get(reverse("rubric_detail", args=[999999])).status_code == 404


def test_list_groups_by_sector_with_frozen_badge_and_campaigns(client, staff, campaign):
    spare = f.rubric("社区", name="备用版")
    text = login(client, staff).get(reverse("rubric_list")).content.decode()
    assert "已冻结" in text and campaign.name in text and "备用版" in text and "可修改" in text
    assert text.index("<h2>村</h2>") < text.index("<h2>社区</h2>")
    assert reverse("rubric_edit", args=[spare.pk]) in text


def test_detail_shows_indicators_criteria_and_guidance(client, staff, tree):
    rubric = f.rubric("村")
    text = login(client, staff).get(reverse("rubric_detail", args=[rubric.pk])).content.decode()
    assert "党组织带头人" in text and "党组织带头人细则1" in text and "党组织带头人第1项的评分说明" in text


def test_import_upload_preview_confirm(client, staff, tree):
    sector = f.sector("中小学校")
    login(client, staff)
    response = client.post(reverse("rubric_import"), {"sector": sector.pk, "name": "2026版", "file": upload()})
    assert response.status_code == 200
    text = response.content.decode()
    assert "确认导入" in text and "党组织带头人细则一" in text and "7 个指标、14 条细则" in text
    assert RubricVersion.objects.count() == 0  # preview saves nothing
    token = response.context["token"]
    response = client.post(reverse("rubric_import_confirm"), {"token": token, "sector": sector.pk, "name": "2026版",
                                                              "filename": "r.xlsx"})
    rubric = RubricVersion.objects.get(sector=sector, name="2026版")
    assert response.status_code == 302 and response["Location"] == reverse("rubric_detail", args=[rubric.pk])
    assert rubric.indicators.count() == 7
    assert AuditEntry.objects.filter(action="rubric.import", object_id=str(rubric.pk)).exists()
    # the stored upload is gone: confirming again is refused
    response = client.post(reverse("rubric_import_confirm"), {"token": token, "sector": sector.pk, "name": "2026版x"},
                           follow=True)
    assert "已失效" in response.content.decode()
    assert RubricVersion.objects.count() == 1


def test_import_bad_file_lists_rows_and_saves_nothing(client, staff, tree):
    sector = f.sector("村")
    rows = good_rows()
    rows[3][3] = 4
    rows[0][2] = ""
    response = login(client, staff).post(reverse("rubric_import"),
                                         {"sector": sector.pk, "name": "x", "file": upload(rows=rows)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "第2行 C列（细则）" in text and "第4–5行 D列（细则分值）" in text and "未保存任何内容" in text
    assert RubricVersion.objects.count() == 0


def test_import_not_a_workbook(client, staff, tree):
    sector = f.sector("村")
    bad = SimpleUploadedFile("x.xlsx", b"this is a text file")
    response = login(client, staff).post(reverse("rubric_import"), {"sector": sector.pk, "name": "x", "file": bad})
    assert response.status_code == 400 and "不是有效的 Excel 工作簿" in response.content.decode()


def test_import_forged_token_is_refused(client, staff, tree):
    sector = f.sector("村")
    response = login(client, staff).post(reverse("rubric_import_confirm"), {
        "token": "../../settings", "sector": sector.pk, "name": "x"}, follow=True)
    assert "已失效" in response.content.decode() and RubricVersion.objects.count() == 0


def preview_token(client, sector, name="2026版"):
    response = client.post(reverse("rubric_import"), {"sector": sector.pk, "name": name, "file": upload()})
    assert response.status_code == 200
    return response.context["token"]


def test_import_cancel_drops_the_upload(client, staff, tree):
    sector = f.sector("中小学校")
    token = preview_token(login(client, staff), sector)
    response = client.post(reverse("rubric_import_cancel"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("rubric_import")
    response = client.post(reverse("rubric_import_confirm"), {"token": token, "sector": sector.pk, "name": "2026版"},
                           follow=True)
    assert "已失效" in response.content.decode() and RubricVersion.objects.count() == 0


def test_import_confirm_checks_again(client, staff, tree):
    # a name taken between preview and confirm: the page lists it, nothing is saved, the upload is gone
    sector = f.sector("中小学校")
    token = preview_token(login(client, staff), sector)
    f.rubric("中小学校", name="2026版")
    response = client.post(reverse("rubric_import_confirm"), {"token": token, "sector": sector.pk, "name": "2026版"})
    assert response.status_code == 400 and "已有名为“2026版”" in response.content.decode()
    assert RubricVersion.objects.count() == 1
    response = client.post(reverse("rubric_import_confirm"), {"token": token, "sector": sector.pk, "name": "2027版"},
                           follow=True)
    assert "已失效" in response.content.decode() and RubricVersion.objects.count() == 1


@pytest.mark.parametrize("page", ["rubric_import_confirm", "rubric_import_cancel"])
def test_import_steps_take_post_from_staff_only(client, page, tree, staff, reviewer_of_township, secretary_of_branch):
    url = reverse(page)
    response = client.post(url, {"token": "0" * 32})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert login(client, reviewer_of_township).post(url, {"token": "0" * 32}).status_code == 403
    assert login(client, secretary_of_branch).post(url, {"token": "0" * 32}).status_code == 403
    assert login(client, staff).get(url).status_code == 405


def edit_payload(rubric, **changes):
    data = {}
    for ind in rubric.indicators.all():
        data[f"ind_{ind.pk}_name"] = ind.name
        data[f"ind_{ind.pk}_max"] = str(ind.max_score)
        for c in ind.criteria.all():
            data[f"crit_{c.pk}_text"] = c.text
            data[f"crit_{c.pk}_max"] = str(c.max_score)
            data[f"crit_{c.pk}_guidance"] = c.guidance
    data.update(changes)
    return data


def test_edit_unfrozen_version_is_saved_and_audited(client, staff, tree):
    rubric = f.rubric("村")
    first, second = rubric.indicators.order_by("position")[:2]
    c1, c2 = first.criteria.order_by("position")
    d1, d2 = second.criteria.order_by("position")
    # move 5 points from 工作思路 (10 → 5) to 党组织带头人 (15 → 20), swap two names, change a guidance
    payload = edit_payload(rubric, **{
        f"ind_{first.pk}_max": "20", f"crit_{c1.pk}_max": "12.5", f"crit_{c2.pk}_guidance": "新的评分说明",
        f"ind_{second.pk}_max": "5", f"crit_{d1.pk}_max": "2.5", f"crit_{d2.pk}_max": "2.5",
        f"ind_{first.pk}_name": "工作思路", f"ind_{second.pk}_name": "党组织带头人",
    })
    response = login(client, staff).post(reverse("rubric_edit", args=[rubric.pk]), payload)
    assert response.status_code == 302
    first.refresh_from_db(), c2.refresh_from_db(), second.refresh_from_db()
    assert (first.name, first.max_score, second.name, second.max_score) == ("工作思路", 20, "党组织带头人", 5)
    assert c2.guidance == "新的评分说明"
    entry = AuditEntry.objects.get(action="rubric.edit")
    assert entry.before["指标"][0]["分值"] == "15" and entry.after["指标"][0]["分值"] == "20"
    assert entry.actor == staff


def test_edit_that_breaks_the_sums_is_refused(client, staff, tree):
    rubric = f.rubric("村")
    first = rubric.indicators.order_by("position").first()
    c1 = first.criteria.order_by("position").first()
    payload = edit_payload(rubric, **{f"crit_{c1.pk}_max": "9", f"ind_{first.pk}_name": ""})
    response = login(client, staff).post(reverse("rubric_edit", args=[rubric.pk]), payload)
    assert response.status_code == 400
    text = response.content.decode()
    assert "细则分值合计为 16.5" in text and "指标名称为空" in text
    c1.refresh_from_db(), first.refresh_from_db()
    assert c1.max_score == 7.5 and first.name == "党组织带头人"
    assert not AuditEntry.objects.filter(action="rubric.edit").exists()


def test_edit_with_bad_number_names_the_field(client, staff, tree):
    rubric = f.rubric("村")
    c1 = Criterion.objects.filter(indicator__rubric=rubric).order_by("indicator__position", "position").first()
    response = login(client, staff).post(reverse("rubric_edit", args=[rubric.pk]),
                                         edit_payload(rubric, **{f"crit_{c1.pk}_max": "七"}))
    assert response.status_code == 400
    assert "第1个指标“党组织带头人”第1条细则的分值：“七”不是数字" in response.content.decode()


def test_frozen_version_refuses_edit_and_offers_copy(client, staff, campaign):
    rubric = campaign.sectors.get(sector__name="村").rubric
    first = rubric.indicators.order_by("position").first()
    login(client, staff)
    response = client.post(reverse("rubric_edit", args=[rubric.pk]),
                           edit_payload(rubric, **{f"ind_{first.pk}_name": "改名"}), follow=True)
    text = response.content.decode()
    assert "已冻结，不能修改" in text and campaign.name in text and "复制为新版本" in text
    first.refresh_from_db()
    assert first.name == "党组织带头人"
    detail = client.get(reverse("rubric_detail", args=[rubric.pk])).content.decode()
    assert reverse("rubric_edit", args=[rubric.pk]) not in detail


def test_frozen_version_refused_by_the_service_too(campaign, staff):
    from django.core.exceptions import ValidationError

    from campaigns.rubrics import rubric_as_data, update_rubric

    rubric = campaign.sectors.get(sector__name="村").rubric
    with pytest.raises(ValidationError, match="已冻结"):
        update_rubric(rubric=rubric, indicators=rubric_as_data(rubric), actor=staff)


def test_copy_makes_an_editable_version(client, staff, campaign):
    rubric = campaign.sectors.get(sector__name="村").rubric
    login(client, staff)
    response = client.post(reverse("rubric_copy", args=[rubric.pk]), {"name": "2027版"})
    copy = RubricVersion.objects.get(sector=rubric.sector, name="2027版")
    assert response.status_code == 302 and response["Location"] == reverse("rubric_edit", args=[copy.pk])
    assert copy.based_on == rubric and not copy.is_frozen
    assert Indicator.objects.filter(rubric=copy).count() == rubric.indicators.count()
    assert Criterion.objects.filter(indicator__rubric=copy).count() == Criterion.objects.filter(
        indicator__rubric=rubric).count()
    assert AuditEntry.objects.filter(action="rubric.copy", object_id=str(copy.pk)).exists()
    assert client.get(reverse("rubric_edit", args=[copy.pk])).status_code == 200


@pytest.mark.parametrize("name, message", [("", "这个字段是必填项"), ("测试版", "已有名为“测试版”")])
def test_copy_needs_a_new_name(client, staff, campaign, name, message):
    rubric = campaign.sectors.get(sector__name="村").rubric
    response = login(client, staff).post(reverse("rubric_copy", args=[rubric.pk]), {"name": name})
    assert response.status_code == 400 and message in response.content.decode()
    assert RubricVersion.objects.filter(sector=rubric.sector).count() == 1
