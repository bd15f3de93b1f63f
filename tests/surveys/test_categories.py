"""Respondent categories are data per campaign: seeded with 党员/群众代表/服务对象, edited by staff on a small page
(one view per POST), used by the online form, the paper tally and the 测评统计表."""
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Campaign
from reports.selectors import survey_breakdown, survey_categories
from surveys import mixer, services
from surveys.models import RespondentCategory, StagedResponse
from surveys.selectors import ShownRow, campaign_categories, org_results
from tests import factories as f
from tests.conftest import login
from tests.reports.helpers import table, values, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff2(tree):
    return f.user("staff2", f.STAFF, first_name="组织部小李")


def test_a_new_campaign_starts_with_the_defaults(campaign, tree):
    assert campaign_categories(campaign) == [("member", "党员"), ("masses", "群众代表"), ("served", "服务对象")]
    other = Campaign.objects.create(slug="c2", name="另一次", year=2026, root=tree["county"])
    assert [name for _, name in campaign_categories(other)] == ["党员", "群众代表", "服务对象"]


def test_the_data_migration_keeps_every_old_category():
    """The migration maps the old fixed values to rows under the same keys (its function, run on a campaign)."""
    import importlib

    from django.apps import apps
    migration = importlib.import_module("surveys.migrations.0005_respondent_categories")
    assert [key for key, _ in migration.DEFAULTS] == ["member", "masses", "served"]
    root = f.county()["county"]
    c = Campaign.objects.create(slug="old", name="旧", year=2025, root=root)
    RespondentCategory.objects.filter(campaign=c).delete()
    migration.seed_existing_campaigns(apps, None)
    assert [key for key, _ in campaign_categories(c)] == ["member", "masses", "served"]


def test_staff_add_rename_move_and_delete(client, campaign, staff):
    login(client, staff)
    page = reverse("survey_categories", args=[campaign.slug])
    assert "服务对象" in client.get(page).content.decode()
    assert client.post(reverse("survey_category_add", args=[campaign.slug]), {"name": "两代表一委员"}).status_code == 302
    assert [n for _, n in campaign_categories(campaign)][-1] == "两代表一委员"
    r = client.post(reverse("survey_category_add", args=[campaign.slug]), {"name": "党员"})
    assert r.status_code == 400 and "已有身份“党员”" in r.content.decode()
    new = RespondentCategory.objects.get(campaign=campaign, name="两代表一委员")
    client.post(reverse("survey_category_move", args=[campaign.slug, new.pk]), {"direction": "up"})
    assert [n for _, n in campaign_categories(campaign)] == ["党员", "群众代表", "两代表一委员", "服务对象"]
    client.post(reverse("survey_category_rename", args=[campaign.slug, new.pk]), {"name": "代表委员"})
    assert RespondentCategory.objects.get(pk=new.pk).name == "代表委员"
    client.post(reverse("survey_category_delete", args=[campaign.slug, new.pk]))
    assert not RespondentCategory.objects.filter(pk=new.pk).exists()
    assert AuditEntry.objects.filter(action__startswith="survey.category_").count() == 4


def test_the_wrong_role_cannot_edit(client, campaign, reviewer_of_township, secretary_of_branch):
    member = RespondentCategory.objects.get(campaign=campaign, key="member")
    for user in (reviewer_of_township, secretary_of_branch):
        login(client, user)
        assert client.get(reverse("survey_categories", args=[campaign.slug])).status_code in (403, 404)
        assert client.post(reverse("survey_category_add", args=[campaign.slug]), {"name": "x"}).status_code in (403, 404)
        assert client.post(reverse("survey_category_delete", args=[campaign.slug, member.pk])).status_code in (403, 404)
    assert len(campaign_categories(campaign)) == 3


def test_a_used_category_cannot_be_deleted(client, survey_campaign, staff, codes):
    services.submit_response(code=codes[0], overall=1, category="served")
    served = RespondentCategory.objects.get(campaign=survey_campaign, key="served")
    login(client, staff)
    r = client.post(reverse("survey_category_delete", args=[survey_campaign.slug, served.pk]))
    assert r.status_code == 400 and "不能删除" in r.content.decode()
    assert RespondentCategory.objects.filter(pk=served.pk).exists()


def test_online_form_offers_the_campaign_categories(client, survey_campaign, tree, codes, staff):
    new = services.add_category(campaign=survey_campaign, name="两代表一委员", actor=staff)
    page = client.get(reverse("survey_form", args=[codes[0]])).content.decode()
    assert "两代表一委员" in page and "服务对象" in page
    client.post(reverse("survey_form", args=[codes[0]]), {"overall": "1", "category": new.key})
    assert StagedResponse.objects.get().category == new.key  # staged until the mixer moves it
    # a category of no campaign is refused by the form, and nothing is stored
    r = client.post(reverse("survey_form", args=[codes[1]]), {"overall": "1", "category": "zzz"})
    assert r.status_code == 400 and StagedResponse.objects.count() == 1
    for code in codes[1:]:  # five answers: a category of 5 is shown (surveys.disclosure)
        services.submit_response(code=code, overall=1, category=new.key)
    mixer.mix_staged(survey_campaign, final=True)
    results = org_results(survey_campaign, tree["vil-2"], full_access=True)
    assert ShownRow.of("两代表一委员", results.tally.by_category(new.key)) in results.categories
    assert results.tally.by_category(new.key).satisfied == 5


def test_renamed_category_keeps_its_answers(survey_campaign, tree, codes, staff):
    for code in codes:
        services.submit_response(code=code, overall=1, category="member")
    mixer.mix_staged(survey_campaign, final=True)
    member = RespondentCategory.objects.get(campaign=survey_campaign, key="member")
    services.rename_category(campaign=survey_campaign, category=member, name="中共党员", actor=staff)
    results = org_results(survey_campaign, tree["vil-2"], full_access=True)
    assert {row.label: row for row in results.categories}["中共党员"].counts == (5, 0, 0)


def test_paper_tally_takes_a_new_category(client, survey_campaign, tree, staff, staff2):
    new = services.add_category(campaign=survey_campaign, name="两代表一委员", actor=staff)
    org = tree["vil-2"]
    url = reverse("paper_tally", args=[survey_campaign.slug, org.code])
    login(client, staff)
    assert "其中：两代表一委员" in client.get(url).content.decode()
    post = {"overall_s": 6, "overall_b": 2, "overall_u": 1, f"{new.key}_s": 2, f"{new.key}_b": 0, f"{new.key}_u": 1}
    assert client.post(url, post).status_code == 302
    login(client, staff2)
    assert client.post(url, post).status_code == 302
    tally = survey_breakdown(survey_campaign)[org.pk]["paper"]
    assert tally.counts[new.key] == ["<5"] * 3 and tally.counts[""] == [4, 2, 0]  # 3 votes: "<5"
    with pytest.raises(services.SurveyError, match="未知的身份类别"):
        services.enter_paper_counts(campaign=survey_campaign, org=org, actor=staff,
                                    counts={"overall": [1, 0, 0], "nope": [1, 0, 0]})


def test_cepin_report_has_a_column_group_per_campaign_category(survey_campaign, tree, codes, staff):
    new = services.add_category(campaign=survey_campaign, name="两代表一委员", actor=staff)
    for code in codes:
        services.submit_response(code=code, overall=2, category=new.key)
    mixer.mix_staged(survey_campaign, final=True)
    assert survey_categories(survey_campaign)[-2:] == [(new.key, "两代表一委员"), ("", "未注明身份")]
    header, rows = table(xlsx(survey_campaign, "cepin").active)
    vil2 = next(dict(zip(header, values(r), strict=False)) for r in rows if values(r)[1] == "vil-2")
    assert vil2["渠道"] == "网上测评" and vil2["两代表一委员·基本满意"] == 5 and vil2["党员·基本满意"] == 0
