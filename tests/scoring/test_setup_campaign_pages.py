"""Campaign pages: list, create, detail (phase bar, settings, coverage, extra links), phase control, dates;
access for every role; coverage exactness; query counts at two tree sizes."""
import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from branches.models import Org, OrgKind
from campaigns import views as setup_views
from campaigns.models import Campaign, Phase, PhaseDate
from campaigns.seed import ensure_seeded
from campaigns.selectors import campaign_coverage
from campaigns.services import create_campaign
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def town_campaign(tree):
    """A campaign run by 甲镇 (town-a) over its own subtree: outside 乙镇's reviewer's scope."""
    return f.campaign(tree["town-a"], slug="town-a-2026", name="甲镇2026年分类定级")


# ---------------------------------------------------------------------------------------------------- access


@pytest.mark.parametrize("page", ["campaign_list", "campaign_create", "campaign_detail", "campaign_dates"])
def test_anonymous_goes_to_login(client, campaign, page):
    url = reverse(page, args=[campaign.slug]) if page in ("campaign_detail", "campaign_dates") else reverse(page)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("page", ["campaign_list", "campaign_create", "campaign_detail", "campaign_dates"])
def test_secretary_is_refused(client, campaign, secretary_of_branch, page):
    url = reverse(page, args=[campaign.slug]) if page in ("campaign_detail", "campaign_dates") else reverse(page)
    assert login(client, secretary_of_branch).get(url).status_code == 403


@pytest.mark.parametrize("page", ["campaign_create", "campaign_dates"])
def test_reviewer_cannot_use_staff_pages(client, campaign, reviewer_of_township, page):
    url = reverse(page, args=[campaign.slug]) if page == "campaign_dates" else reverse(page)
    assert login(client, reviewer_of_township).get(url).status_code == 403


@pytest.mark.parametrize("step", ["campaign_phase", "campaign_phase_confirm"])
def test_reviewer_cannot_move_phases(client, campaign, reviewer_of_township, step):
    response = login(client, reviewer_of_township).post(reverse(step, args=[campaign.slug]), {"phase": 3})
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.phase == Phase.MOBILISE


@pytest.mark.parametrize("step", ["campaign_phase", "campaign_phase_confirm"])
def test_phase_control_refuses_anonymous_and_secretary(client, campaign, secretary_of_branch, step):
    url = reverse(step, args=[campaign.slug])
    response = client.post(url, {"phase": 3})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert login(client, secretary_of_branch).post(url, {"phase": 3}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.phase == Phase.MOBILISE and not AuditEntry.objects.filter(action="campaign.phase").exists()


@pytest.mark.parametrize("step", ["campaign_phase", "campaign_phase_confirm"])
def test_phase_steps_take_post_only(client, campaign, staff, step):
    assert login(client, staff).get(reverse(step, args=[campaign.slug])).status_code == 405


def test_phase_steps_of_a_campaign_out_of_reach_are_404(client, staff):
    for step in ("campaign_phase", "campaign_phase_confirm"):
        assert login(client, staff).post(reverse(step, args=["nope"]), {"phase": 3}).status_code == 404


def test_reviewer_outside_scope_gets_404(client, town_campaign, other_reviewer, reviewer_of_township):
    assert login(client, other_reviewer).get(reverse("campaign_detail", args=[town_campaign.slug])).status_code == 404
    assert login(client, reviewer_of_township).get(
        reverse("campaign_detail", args=[town_campaign.slug])).status_code == 200


def test_unknown_campaign_is_404(client, staff):
    assert login(client, staff).get(reverse("campaign_detail", args=["nope"])).status_code == 404


def test_list_staff_sees_all_reviewers_theirs(client, campaign, town_campaign, staff, other_reviewer):
    text = login(client, staff).get(reverse("campaign_list")).content.decode()
    assert campaign.name in text and town_campaign.name in text and "新建定级工作" in text
    text = login(client, other_reviewer).get(reverse("campaign_list")).content.decode()
    assert campaign.name in text and town_campaign.name not in text and "新建定级工作" not in text


# ---------------------------------------------------------------------------------------------------- create


def test_create_page_defaults(client, staff, tree):
    ensure_seeded()
    form = login(client, staff).get(reverse("campaign_create")).context["form"]
    village = next(r for r in form.sector_rows if r["sector"].name == "村")
    agency = next(r for r in form.sector_rows if r["sector"].name == "机关事业单位")
    assert village["scale"].value() == "three" and agency["scale"].value() == "four"
    assert village["on"].value() is True
    assert form["weight_self"].value() == "0.2" and form["top_gate"].value() == "0.9"


def create_payload(tree, **changes):
    from branches.models import Sector

    data = {"name": "2026年度分类定级", "slug": "c2026", "year": "2026", "root": "county", "previous": "",
            "weight_self": "0.2", "weight_survey": "0.3", "weight_review": "0.5", "top_gate": "0.9",
            "floor_gate": "0.5"}
    for s in Sector.objects.all():
        rubric = s.rubrics.order_by("-created_at").first()
        if s.name in ("村", "社区", "中小学校"):
            data[f"on_{s.pk}"] = "on"
        data[f"rubric_{s.pk}"] = str(rubric.pk) if rubric else ""
        data[f"scale_{s.pk}"] = "four-school" if s.name == "中小学校" else ("three" if s.name == "村" else "four")
    data.update(changes)
    return data


def test_create_through_the_page(client, staff, tree):
    ensure_seeded()
    response = login(client, staff).post(reverse("campaign_create"), create_payload(tree))
    assert response.status_code == 302 and response["Location"] == reverse("campaign_detail", args=["c2026"])
    c = Campaign.objects.get(slug="c2026")
    assert dict(c.sectors.values_list("sector__name", "scale__code")) == {
        "村": "three", "社区": "four", "中小学校": "four-school"}
    assert AuditEntry.objects.filter(action="campaign.create", actor=staff).exists()


def test_create_page_refuses_bad_weights(client, staff, tree):
    ensure_seeded()
    response = login(client, staff).post(reverse("campaign_create"), create_payload(
        tree, weight_self="0.3", weight_survey="0.3", weight_review="0.3"))
    assert response.status_code == 400
    assert "三项权重之和为 0.9，必须正好等于 1" in response.content.decode()
    assert not Campaign.objects.exists()


def test_create_page_accepts_review_only_weights(client, staff, tree):
    ensure_seeded()
    response = login(client, staff).post(reverse("campaign_create"), create_payload(
        tree, weight_self="0", weight_survey="0", weight_review="1"))
    assert response.status_code == 302
    assert Campaign.objects.get().weights == (0, 0, 1)


# ---------------------------------------------------------------------------------------------------- detail


def test_detail_shows_phasebar_settings_and_staff_controls(client, staff, campaign):
    PhaseDate.objects.create(campaign=campaign, phase=Phase.SELF, starts_on=datetime.date(2026, 3, 24),
                             ends_on=datetime.date(2026, 3, 29))
    text = login(client, staff).get(reverse("campaign_detail", args=[campaign.slug])).content.decode()
    assert 'class="phasebar"' in text and 'class="current"' in text
    for p in Phase:
        assert p.label in text
    assert "3月24日–3月29日" in text
    assert "自评 0.2 · 测评 0.3 · 评定 0.5" in text
    assert "阶段控制" in text and reverse("campaign_dates", args=[campaign.slug]) in text
    assert "三档（先进/一般/后进）" in text and "先进≥80 / 一般≥60 / 后进" in text


def test_detail_shows_sector_floor_gate(client, staff, tree):
    ensure_seeded()
    c = create_campaign(slug="c1", name="x", root=tree["county"], sectors=["村", "机关事业单位"], actor=None)
    response = login(client, staff).get(reverse("campaign_detail", args=[c.slug]))
    floors = {cs.sector.name: cs.floor_text for cs in response.context["settings"]["sectors"]}
    assert floors == {"村": "0.5", "机关事业单位": "0.6"}


def test_detail_for_reviewer_has_no_controls_and_is_scoped(client, reviewer_of_township, campaign):
    response = login(client, reviewer_of_township).get(reverse("campaign_detail", args=[campaign.slug]))
    text = response.content.decode()
    assert response.status_code == 200 and "阶段控制" not in text
    units = [r["unit"].code for r in response.context["coverage"]["rows"]]
    assert units == ["town-a"]
    assert response.context["coverage"]["total"] == 3  # vil-1, vil-2, com-1


def test_extra_sections_registry(client, staff, reviewer_of_township, campaign, monkeypatch):
    def link(request, c, viewer):
        return [("进度看板", f"/campaigns/{c.slug}/dashboard/")] if viewer.is_staff else []

    monkeypatch.setattr(setup_views, "CAMPAIGN_LINKS", [link])
    text = login(client, staff).get(reverse("campaign_detail", args=[campaign.slug])).content.decode()
    assert "其他功能" in text and f'href="/campaigns/{campaign.slug}/dashboard/"' in text
    text = login(client, reviewer_of_township).get(reverse("campaign_detail", args=[campaign.slug])).content.decode()
    assert "进度看板" not in text


# ------------------------------------------------------------------------------------------------ phase control


def test_phase_move_needs_confirmation_then_is_audited_forward_and_back(client, staff, campaign):
    login(client, staff)
    url = reverse("campaign_phase", args=[campaign.slug])
    confirm = reverse("campaign_phase_confirm", args=[campaign.slug])
    response = client.post(url, {"phase": Phase.SURVEY, "reason": "按计划"})
    body = response.content.decode()
    assert response.status_code == 200 and "确认切换" in body and f'action="{confirm}"' in body
    campaign.refresh_from_db()
    assert campaign.phase == Phase.MOBILISE
    response = client.post(confirm, {"phase": Phase.SURVEY, "reason": "按计划"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.phase == Phase.SURVEY
    response = client.post(url, {"phase": Phase.SELF})
    assert "退回" in response.content.decode()
    client.post(confirm, {"phase": Phase.SELF})
    campaign.refresh_from_db()
    assert campaign.phase == Phase.SELF
    entries = list(AuditEntry.objects.filter(action="campaign.phase", campaign_id=campaign.pk).order_by("id"))
    assert [(e.before["阶段"], e.after["阶段"], e.actor) for e in entries] == [
        ("动员部署", "党员群众测评", staff), ("党员群众测评", "自评", staff)]
    assert entries[0].reason == "按计划"


def test_phase_confirm_without_a_move_changes_nothing(client, staff, campaign):
    login(client, staff)
    confirm = reverse("campaign_phase_confirm", args=[campaign.slug])
    response = client.post(confirm, {"phase": Phase.MOBILISE}, follow=True)
    assert "无需切换" in response.content.decode()
    response = client.post(confirm, {"phase": ""}, follow=True)
    assert "请选择要切换到的阶段" in response.content.decode()
    assert not AuditEntry.objects.filter(action="campaign.phase").exists()


def test_phase_dates_edit(client, staff, reviewer_of_township, campaign):
    login(client, staff)
    url = reverse("campaign_dates", args=[campaign.slug])
    response = client.post(url, {"start_3": "2026-03-24", "end_3": "2026-03-20"})
    assert response.status_code == 400 and "结束日期 2026-03-20 早于开始日期 2026-03-24" in response.content.decode()
    assert not PhaseDate.objects.filter(campaign=campaign, starts_on__isnull=False).exists()
    response = client.post(url, {"start_3": "2026-03-24", "end_3": "2026-03-29"})
    assert response.status_code == 302
    row = PhaseDate.objects.get(campaign=campaign, phase=Phase.SELF)
    assert (row.starts_on, row.ends_on) == (datetime.date(2026, 3, 24), datetime.date(2026, 3, 29))
    entry = AuditEntry.objects.get(action="campaign.dates")
    assert entry.after == {"自评": ["2026-03-24", "2026-03-29"]}


# ------------------------------------------------------------------------------------------------- coverage


def test_coverage_is_exact_on_the_county(campaign, tree):
    cov = campaign_coverage(campaign)
    assert [s.name for s in cov["sectors"]] == ["村", "社区", "机关事业单位"]
    rows = {r["unit"].code: (r["counts"], r["total"]) for r in cov["rows"]}
    assert rows == {"town-a": ([2, 1, 0], 3), "town-b": ([1, 0, 0], 1), "agency": ([0, 0, 3], 3)}
    assert cov["totals"] == [3, 1, 3] and cov["total"] == 7
    excluded = {o.code: g["reason"] for g in cov["excluded"] for o in g["orgs"]}
    assert set(excluded) == {"town-a", "town-b", "vil-1-b1", "vil-1-b2"}
    assert "未设所属领域" in excluded["town-a"] and "未设所属领域" in excluded["town-b"]
    assert "随“一村党总支”一并定级" in excluded["vil-1-b1"]
    # every org of the scope exactly once; the root never
    assert cov["scope_count"] == Org.objects.count() - 1 == cov["total"] + cov["excluded_count"]
    assert "county" not in excluded
    assert cov["empty_units"] == [] and cov["empty_sectors"] == []


def test_coverage_names_non_participating_sectors_and_empty_units(tree):
    ensure_seeded()
    f.org("school-1", "县一中党支部", OrgKind.BRANCH, tree["town-b"], "中小学校")
    f.org("town-c", "丙镇党委", OrgKind.COMMITTEE, tree["county"])
    c = create_campaign(slug="c1", name="x", root=tree["county"], sectors=["村", "社区", "机关事业单位", "非公有制经济组织"],
                        actor=None)
    cov = campaign_coverage(c)
    excluded = {o.code: g["reason"] for g in cov["excluded"] for o in g["orgs"]}
    assert excluded["school-1"] == "所属领域“中小学校”未参加本次定级"
    assert [u.code for u in cov["empty_units"]] == ["town-c"]
    assert [s.name for s in cov["empty_sectors"]] == ["非公有制经济组织"]


def test_coverage_page_lists_missing_with_reasons(client, staff, campaign, tree):
    f.org("town-c", "丙镇党委", OrgKind.COMMITTEE, tree["county"])
    text = login(client, staff).get(reverse("campaign_detail", args=[campaign.slug])).content.decode()
    assert "丙镇党委（town-c）下没有定级对象" in text
    assert "随“一村党总支”一并定级" in text and "一村第一党支部（vil-1-b1）" in text
    assert "党委未设所属领域" in text


# ---------------------------------------------------------------------------------------------- query counts


def grow(tree, total):
    """Add villages (with one branch each) under the townships until the tree holds `total` orgs."""
    parents = [tree["town-a"], tree["town-b"]]
    n = 0
    while Org.objects.count() < total:
        parent = parents[n % 2]
        village = f.org(f"v{n}", f"第{n}村党总支", OrgKind.GENERAL_BRANCH, parent, "村")
        if Org.objects.count() < total:
            f.org(f"v{n}-b", f"第{n}村第一支部", OrgKind.BRANCH, village, "村")
        n += 1
    return Org.objects.count()


@pytest.mark.parametrize("size", [20, 200])
def test_campaign_list_query_count(client, staff, campaign, tree, size, django_assert_max_num_queries):
    assert grow(tree, size) == size
    f.campaign(tree["town-a"], slug="second")
    login(client, staff)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("campaign_list")).status_code == 200


@pytest.mark.parametrize("size", [20, 200])
def test_campaign_detail_query_count(client, staff, reviewer_of_township, campaign, tree, size,
                                     django_assert_max_num_queries):
    assert grow(tree, size) == size
    url = reverse("campaign_detail", args=[campaign.slug])
    login(client, staff)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.context["coverage"]["scope_count"] == size - 1
    login(client, reviewer_of_township)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
