"""Paper ballots: double entry by two different staff members; mismatches shown, never averaged."""
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Phase
from surveys import services
from surveys.models import PaperEntry
from surveys.selectors import VoteCount, survey_tallies, vote_counts
from surveys.signals import votes_changed
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def staff2(tree):
    return f.user("staff2", f.STAFF, first_name="组织部小李")


def counts(overall, **categories):
    return {"overall": list(overall), **{k: list(v) for k, v in categories.items()}}


@pytest.fixture
def votes_changes():
    """The (campaign id, org ids, sender) of every surveys.signals.votes_changed sent, as a receiver sees them."""
    calls = []

    def receiver(sender, *, campaign, org_ids, **kwargs):
        calls.append((campaign.pk, list(org_ids), sender))

    votes_changed.connect(receiver, weak=False, dispatch_uid="tests.votes_changes")
    yield calls
    votes_changed.disconnect(dispatch_uid="tests.votes_changes")


def test_two_matching_entries_confirm_and_add_to_online(survey_campaign, tree, staff, staff2, codes, votes_changes):
    org = tree["vil-2"]
    services.submit_response(code=codes[0], overall=3)
    first = services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((10, 5, 1)), actor=staff)
    assert first.state == "single" and org.pk not in {k for k, v in vote_counts(survey_campaign).items() if v.total > 1}
    assert votes_changes == []
    second = services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((10, 5, 1)), actor=staff2)
    assert second.confirmed
    assert vote_counts(survey_campaign)[org.pk] == VoteCount(10, 5, 2)
    assert votes_changes == [(survey_campaign.pk, [org.pk], PaperEntry)]
    actions = list(AuditEntry.objects.filter(object_id=str(org.pk), action__startswith="survey.paper").values_list("action", flat=True))
    assert sorted(actions) == ["survey.paper_confirmed", "survey.paper_entered", "survey.paper_entered"]


def test_mismatch_does_not_count_and_names_the_numbers(survey_campaign, tree, staff, staff2, votes_changes):
    org = tree["vil-2"]
    services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((10, 5, 1), member=(4, 1, 0)),
                                actor=staff)
    status = services.enter_paper_counts(campaign=survey_campaign, org=org,
                                         counts=counts((11, 5, 1), member=(4, 2, 0)), actor=staff2)
    assert status.state == "mismatch"
    assert status.differing == ("总体·满意", "党员·基本满意")
    assert org.pk not in vote_counts(survey_campaign)  # not averaged, not counted
    assert votes_changes == []
    # the one who miscounted corrects their own entry → confirmed
    status = services.enter_paper_counts(campaign=survey_campaign, org=org,
                                         counts=counts((10, 5, 1), member=(4, 1, 0)), actor=staff2)
    assert status.confirmed and vote_counts(survey_campaign)[org.pk] == VoteCount(10, 5, 1)
    tally = survey_tallies(survey_campaign)[org.pk]
    assert tally.paper == {"member": VoteCount(4, 1, 0), "": VoteCount(6, 4, 1)}
    assert votes_changes == [(survey_campaign.pk, [org.pk], PaperEntry)]


def test_same_person_twice_does_not_confirm(survey_campaign, tree, staff):
    org = tree["vil-2"]
    services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((3, 2, 1)), actor=staff)
    status = services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((3, 2, 1)), actor=staff)
    assert status.state == "single" and PaperEntry.objects.count() == 1
    assert org.pk not in vote_counts(survey_campaign)


def test_a_third_entry_is_refused_and_a_later_change_unconfirms(survey_campaign, tree, staff, staff2,
                                                                votes_changes):
    org = tree["vil-2"]
    for who in (staff, staff2):
        services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((3, 2, 1)), actor=who)
    third = f.user("staff3", f.STAFF)
    with pytest.raises(services.SurveyError, match="已有两名工作人员录入"):
        services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((3, 2, 1)), actor=third)
    status = services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((3, 2, 2)), actor=staff)
    assert status.state == "mismatch" and org.pk not in vote_counts(survey_campaign)
    assert len(votes_changes) == 2  # confirmed, then no longer
    assert AuditEntry.objects.filter(action="survey.paper_unconfirmed").count() == 1


def test_a_confirmed_tally_regrades_the_org_in_the_same_transaction(survey_campaign, tree, staff, staff2):
    """scoring's receiver of votes_changed recomputes the org's grade with the paper votes; a receiver that fails
    undoes the entry with it (it runs inside the entry's transaction)."""
    from scoring.models import Grade

    org = tree["vil-2"]
    services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((10, 5, 1)), actor=staff)
    assert not Grade.objects.filter(campaign=survey_campaign, org=org).exists()
    services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((10, 5, 1)), actor=staff2)
    grade = Grade.objects.get(campaign=survey_campaign, org=org)
    assert (grade.votes_satisfied, grade.votes_basic, grade.votes_unsatisfied) == (10, 5, 1)

    def failing(sender, **kwargs):
        raise RuntimeError("grading failed")

    votes_changed.connect(failing, weak=False, dispatch_uid="tests.failing")
    try:
        with pytest.raises(RuntimeError):
            services.enter_paper_counts(campaign=survey_campaign, org=org, counts=counts((9, 5, 1)), actor=staff)
    finally:
        votes_changed.disconnect(dispatch_uid="tests.failing")
    assert sorted(e.counts["overall"] for e in PaperEntry.objects.filter(org=org)) == [[10, 5, 1], [10, 5, 1]]
    assert not AuditEntry.objects.filter(action="survey.paper_unconfirmed").exists()
    grade.refresh_from_db()
    assert grade.votes_satisfied == 10


@pytest.mark.parametrize("bad, message", [
    ({"overall": [None, None, None]}, "总体：请填写"),
    ({"overall": [1, None, 2]}, "总体·基本满意：未填写"),
    ({"overall": [1, -1, 2]}, "必须是 0 到"),
    ({"overall": [0, 0, 0]}, "合计为 0"),
    ({"overall": [3, 2, 1], "member": [4, 0, 0]}, "满意：各身份合计 4 票，多于总体的 3 票"),
    ({"overall": [3, 2, 1], "masses": [1, None, None]}, "群众代表·基本满意：未填写"),
])
def test_bad_counts_are_refused_with_the_number_named(survey_campaign, tree, staff, bad, message):
    with pytest.raises(services.SurveyError, match=message):
        services.enter_paper_counts(campaign=survey_campaign, org=tree["vil-2"], counts=bad, actor=staff)
    assert PaperEntry.objects.count() == 0 and not AuditEntry.objects.exists()


def test_paper_entry_only_in_survey_and_review_phases_and_for_targets(survey_campaign, tree, staff):
    with pytest.raises(services.SurveyError, match="定级对象"):
        services.enter_paper_counts(campaign=survey_campaign, org=tree["town-a"], counts=counts((1, 0, 0)),
                                    actor=staff)
    survey_campaign.phase = Phase.PUBLICITY
    survey_campaign.save()
    with pytest.raises(services.SurveyError, match="只能在党员群众测评或上级评定阶段"):
        services.enter_paper_counts(campaign=survey_campaign, org=tree["vil-2"], counts=counts((1, 0, 0)),
                                    actor=staff)


# ---- the page ---------------------------------------------------------------------------------------------------

def _url(campaign, code="vil-2"):
    return reverse("paper_tally", args=[campaign.slug, code])


def _post(overall, member=("", "", "")):
    data = {"overall_s": overall[0], "overall_b": overall[1], "overall_u": overall[2]}
    data.update({"member_s": member[0], "member_b": member[1], "member_u": member[2]})
    return data


def test_page_double_entry_flow(client, survey_campaign, staff, staff2):
    login(client, staff)
    assert client.get(_url(survey_campaign)).status_code == 200
    response = client.post(_url(survey_campaign), _post((10, 5, 1), (4, 1, 0)))
    assert response.status_code == 302
    assert "待第二人核对" in client.get(_url(survey_campaign)).content.decode()
    login(client, staff2)
    client.post(_url(survey_campaign), _post((10, 6, 1), (4, 1, 0)))
    html = client.get(_url(survey_campaign)).content.decode()
    assert "两次录入不一致" in html and "总体·基本满意" in html
    login(client, staff)
    html = client.get(_url(survey_campaign)).content.decode()
    assert "两次录入不一致" in html and "总体·基本满意" in html  # shown to both
    login(client, staff2)
    client.post(_url(survey_campaign), _post((10, 5, 1), (4, 1, 0)))
    assert "已核对一致" in client.get(_url(survey_campaign)).content.decode()


def test_page_shows_input_errors(client, survey_campaign, staff):
    response = login(client, staff).post(_url(survey_campaign), {"overall_s": "x", "overall_b": "1", "overall_u": "1"})
    assert response.status_code == 400 and "总体（全部纸质票）·满意：请填写整数" in response.content.decode()
    response = client.post(_url(survey_campaign), _post((1, 1, 1), (5, 0, 0)))
    assert response.status_code == 400 and "多于总体" in response.content.decode()
    assert PaperEntry.objects.count() == 0


def test_page_refuses_wrong_roles(client, survey_campaign, reviewer_of_township, secretary_of_branch):
    assert client.get(_url(survey_campaign)).status_code == 302
    assert login(client, reviewer_of_township).get(_url(survey_campaign)).status_code == 403
    assert login(client, secretary_of_branch).post(_url(survey_campaign), _post((1, 1, 1))).status_code == 403
    assert PaperEntry.objects.count() == 0


def test_page_for_an_org_not_graded_here_is_not_found(client, survey_campaign, staff):
    from branches.access import NOT_FOUND

    login(client, staff)
    for code in ("town-a", "no-such-org"):  # an org that is no 定级对象 looks like one that does not exist
        response = client.get(_url(survey_campaign, code))
        assert response.status_code == 404
    assert client.post(_url(survey_campaign, "town-a"), _post((1, 1, 1))).status_code == 404
    assert PaperEntry.objects.count() == 0
    response = client.get(reverse("paper_tally", args=["no-such-campaign", "vil-2"]))
    assert response.status_code == 404 and NOT_FOUND in response.content.decode()
