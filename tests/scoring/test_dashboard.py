"""Campaign dashboard: progress, missing per unit, SVG charts, 自评偏差; scope per role; constant queries."""
import pytest
from django.urls import reverse

from scoring.services.grading import recompute_campaign
from tests.conftest import login
from tests.scoring.grading_helpers import (
    Phase,
    SheetKind,
    big_township,
    set_phase,
    submitted_sheet,
    votes,
)


def url(campaign):
    return reverse("campaign_dashboard", args=[campaign.slug])


def fill(campaign, org, s, v, r):
    submitted_sheet(campaign, org, SheetKind.SELF, s, with_scores=False)
    votes(campaign, org, *v)
    if r is not None:
        submitted_sheet(campaign, org, SheetKind.REVIEW, r, with_scores=False)


@pytest.fixture
def filled(campaign, tree):
    set_phase(campaign, Phase.REVIEW)
    fill(campaign, tree["vil-2"], "98", (10, 0, 0), "80")   # deviation 18 ≥ 15 → listed
    fill(campaign, tree["com-1"], "95", (10, 0, 0), "95")   # 好
    fill(campaign, tree["ag-1"], "85", (10, 0, 0), None)    # not reviewed
    recompute_campaign(campaign=campaign)
    return campaign


def test_staff_dashboard(client, filled, staff):
    body = login(client, staff).get(url(filled)).content.decode()
    assert "自评已提交" in body and "3 <small>/ 7（43%）" in body
    assert "上级评定已完成" in body and "2 <small>/ 7（29%）" in body
    assert "甲镇党委" in body and "乙镇党委" in body and "县直机关工委" in body   # units
    assert "<svg" in body and "各单位等次分布" in body and "各领域等次分布" in body
    assert "http" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org/2000/svg", "")
    assert "好：1" in body  # chart segment tooltip
    # 自评偏差: 二村 98 vs 80
    section = body.split("自评偏差", 1)[1]
    assert "二村党支部" in section and "+18.0" in section and "甲镇社区党支部" not in section
    assert "重新计算全部等次" in body


def test_deviation_threshold_from_campaign(client, filled, staff):
    filled.deviation_threshold = 20
    filled.save()
    section = login(client, staff).get(url(filled)).content.decode().split("自评偏差", 1)[1]
    assert "二村党支部" not in section


def test_reviewer_dashboard_scoped(client, filled, reviewer_of_township):
    body = login(client, reviewer_of_township).get(url(filled)).content.decode()
    assert "甲镇党委" in body and "乙镇党委" not in body and "县直机关工委" not in body
    assert "/ 3（" in body  # vil-1, vil-2, com-1
    assert "重新计算全部等次" not in body


def test_dashboard_secretary_403(client, filled, secretary_of_branch):
    assert login(client, secretary_of_branch).get(url(filled)).status_code == 403


def test_dashboard_anonymous_login(client, filled):
    response = client.get(url(filled))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_dashboard_reviewer_outside_scope_404(client, tree, other_reviewer):
    from tests import factories as f
    other = f.campaign(tree["town-a"], slug="town-a-only")
    assert login(client, other_reviewer).get(url(other)).status_code == 404


def test_recompute_button_staff_only(client, filled, staff, reviewer_of_township):
    login(client, reviewer_of_township)
    assert client.post(reverse("grade_campaign", args=[filled.slug])).status_code == 403
    client.logout()
    response = login(client, staff).post(reverse("grade_campaign", args=[filled.slug]), follow=True)
    assert "已重新计算全部等次：好 1，较好 0，一般 0，较差 0，先进 1，后进 0，未定级 5" in response.content.decode()


def test_recompute_takes_post_only_and_goes_back_within_the_site(client, filled, staff):
    login(client, staff)
    grade = reverse("grade_campaign", args=[filled.slug])
    assert client.get(grade).status_code == 405
    assert client.post(grade)["Location"] == url(filled)
    review = reverse("review_list", args=[filled.slug])
    assert client.post(grade, {"next": review})["Location"] == review
    for elsewhere in ("https://evil.example/", "//evil.example/x"):
        assert client.post(grade, {"next": elsewhere})["Location"] == url(filled)


def test_dashboard_recompute_button_for_staff_only(client, filled, staff, reviewer_of_township):
    button = f'action="{reverse("grade_campaign", args=[filled.slug])}"'
    assert button in login(client, staff).get(url(filled)).content.decode()
    assert button not in login(client, reviewer_of_township).get(url(filled)).content.decode()


def test_campaign_page_links_registered(client, filled, staff):
    body = login(client, staff).get(reverse("campaign_detail", args=[filled.slug])).content.decode()
    assert reverse("campaign_dashboard", args=[filled.slug]) in body
    assert reverse("review_list", args=[filled.slug]) in body


@pytest.mark.parametrize("n", [20, 200])
def test_dashboard_query_count_constant(client, campaign, tree, staff, reviewer_of_township,
                                        django_assert_max_num_queries, n):
    town = big_township(tree, n)
    for i, org in enumerate(town.subtree(include_self=False)):
        fill(campaign, org, "90", (8, i % 3, 1), "70" if i % 2 else None)
    recompute_campaign(campaign=campaign)
    login(client, staff)
    with django_assert_max_num_queries(16):
        response = client.get(url(campaign))
    assert response.status_code == 200 and f"大镇{n}" in response.content.decode()
    client.logout()
    login(client, reviewer_of_township)
    with django_assert_max_num_queries(16):
        assert client.get(url(campaign)).status_code == 200
