"""调查摸底 (SPEC §5): the six-point checklist, its phase, its scope and its pages."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Phase
from scoring.models import INVESTIGATION_CHECKS, Investigation
from scoring.selectors import investigation_rows
from scoring.services.investigation import save_investigation
from tests.conftest import login


def answers(ok=True, **overrides):
    values = {f"{key}_ok": ok for key, _ in INVESTIGATION_CHECKS}
    values.update(overrides)
    return values


def form_data(ok="1", **overrides):
    data = {f"{key}_ok": ok for key, _ in INVESTIGATION_CHECKS}
    data.update(overrides)
    return data


@pytest.fixture
def investigating(campaign):
    campaign.phase = Phase.INVESTIGATE
    campaign.save()
    return campaign


def test_save_and_update_is_audited_with_changes(investigating, tree, reviewer_of_township):
    inv = save_investigation(campaign=investigating, org=tree["vil-2"], actor=reviewer_of_township,
                             values=answers(support_ok=False, support_note="无固定活动场所"))
    assert inv.failed_count == 1 and inv.checks[4] == ("经费场所保障是否落实", False, "无固定活动场所")
    save_investigation(campaign=investigating, org=tree["vil-2"], actor=reviewer_of_township,
                       values=answers(support_ok=True, summary="已解决"))
    assert Investigation.objects.get().support_ok is True
    entries = list(AuditEntry.objects.filter(action="investigation.saved").order_by("id"))
    assert len(entries) == 2 and entries[1].before["support_ok"] is False and entries[1].after["support_ok"] is True
    assert "setup_ok" not in entries[1].after  # only what changed


def test_every_point_must_be_answered(investigating, tree, staff):
    values = answers()
    del values["role_ok"]
    with pytest.raises(ValidationError, match="请选择「作用发挥是否充分」：是或否"):
        save_investigation(campaign=investigating, org=tree["vil-2"], actor=staff, values=values)
    with pytest.raises(ValidationError, match="说明不能超过 500 字"):
        save_investigation(campaign=investigating, org=tree["vil-2"], actor=staff,
                           values=answers(setup_note="字" * 501))
    assert not Investigation.objects.exists()


def test_only_during_investigation_and_only_for_targets(campaign, tree, staff):
    with pytest.raises(ValidationError, match="只有在「调查摸底」阶段"):
        save_investigation(campaign=campaign, org=tree["vil-2"], actor=staff, values=answers())
    campaign.phase = Phase.INVESTIGATE
    campaign.save()
    with pytest.raises(ValidationError, match="不是本次工作的定级对象"):
        save_investigation(campaign=campaign, org=tree["vil-1-b1"], actor=staff, values=answers())


def test_edit_page_roles(client, investigating, tree, staff, reviewer_of_township, other_reviewer,
                         secretary_of_branch):
    url = reverse("investigation_edit", args=[investigating.slug, "vil-2"])
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    assert login(client, other_reviewer).get(url).status_code == 404
    assert login(client, reviewer_of_township).get(reverse("investigation_edit",
                                                           args=[investigating.slug, "town-a"])).status_code == 404
    assert login(client, reviewer_of_township).get(url).status_code == 200
    assert login(client, other_reviewer).post(url, form_data()).status_code == 404
    response = login(client, reviewer_of_township).post(url, form_data(rules_ok="0", rules_note="制度不全"))
    assert response.status_code == 302
    assert Investigation.objects.get().rules_note == "制度不全"
    assert login(client, staff).get(url).status_code == 200


def test_edit_page_only_for_targets(client, investigating, tree, staff):
    # 一村第一党支部 is graded with its 总支: it has no checklist of its own
    url = reverse("investigation_edit", args=[investigating.slug, "vil-1-b1"])
    assert login(client, staff).get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404
    assert not Investigation.objects.exists()


def test_edit_page_names_the_missing_point(client, investigating, tree, staff):
    data = form_data()
    del data["leadership_ok"]
    response = login(client, staff).post(reverse("investigation_edit", args=[investigating.slug, "vil-2"]), data)
    assert response.status_code == 200 and "请选择「领导班子是否健全」：是或否" in response.content.decode()


def test_edit_refused_outside_the_phase(client, campaign, tree, staff):
    url = reverse("investigation_edit", args=[campaign.slug, "vil-2"])
    login(client, staff)
    assert "调查摸底阶段才能填写" in client.get(url).content.decode()
    assert client.post(url, form_data()).status_code == 403
    assert not Investigation.objects.exists()


def test_list_page_roles_and_scope(client, investigating, tree, staff, reviewer_of_township, secretary_of_branch):
    save_investigation(campaign=investigating, org=tree["vil-2"], actor=staff, values=answers(role_ok=False))
    url = reverse("investigation_list", args=[investigating.slug])
    assert client.get(url).status_code == 302
    assert login(client, secretary_of_branch).get(url).status_code == 403
    page = login(client, reviewer_of_township).get(url).content.decode()
    assert "二村党支部" in page and "财政局党支部" not in page and "1 项为“否”" in page
    page = login(client, staff).get(url).content.decode()
    assert "财政局党支部" in page and "已填写 1 / 7" in page


def test_rows_and_list_in_constant_queries(client, tree, staff, django_assert_max_num_queries):
    from branches.models import Org
    from tests import factories as f
    from tests.scoring.grading_helpers import big_township

    client.force_login(staff)
    for n, slug in ((20, "small"), (200, "large")):
        town = big_township(tree, n, code=f"town-{slug}")
        c = f.campaign(town, slug=slug, sectors=("村",), phase=Phase.INVESTIGATE)
        for org in Org.objects.filter(path__startswith=town.path, depth=town.depth + 1)[:5]:
            save_investigation(campaign=c, org=org, actor=staff, values=answers())
        with django_assert_max_num_queries(4):
            rows = investigation_rows(c)
        assert len(rows) == n and sum(1 for r in rows if r.investigation) == 5
        with django_assert_max_num_queries(10):
            assert client.get(reverse("investigation_list", args=[slug])).status_code == 200
