"""Paper 测评表 and 计票表: the print_ballots command and the download from the survey overview."""
import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from surveys import ballots
from tests.conftest import login
from tests.factories import STANDARD_SPLIT

INDICATORS = [name for name, _ in STANDARD_SPLIT]
TOWN_A_TARGETS = ["一村党总支", "二村党支部", "甲镇社区党支部"]  # tree order
ALL_TARGETS = [*TOWN_A_TARGETS, "三村党支部", "县直机关工委", "财政局党支部", "教育局党支部"]


def _pages(data) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _org_of(text) -> str:
    """The org a page is for (its 党组织 line)."""
    line = next(line for line in text.splitlines() if line.startswith("党组织"))
    return line.split("：", 1)[1].split("上级党组织")[0].strip()


def _print(tmp_path, *args):
    out = tmp_path / "ballots.pdf"
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("print_ballots", *args, "--output", str(out), stdout=stdout, stderr=stderr)
    return _pages(out.read_bytes()), stdout.getvalue(), stderr.getvalue()


def test_one_org(campaign, tmp_path):
    pages, out, _ = _print(tmp_path, "--campaign", campaign.slug, "--org", "vil-2", "--count", "3")
    assert len(pages) == 3
    first = pages[0]
    assert ballots.TITLE in first and campaign.name in first and _org_of(first) == "二村党支部"
    assert "对该党组织的总体评价" in first and "满意" in first and "基本满意" in first and "不满意" in first
    for name in INDICATORS:
        assert name in first
    assert "党员" in first and "群众代表" in first and "服务对象" in first and "意见建议" in first
    assert pages[1] == pages[0] == pages[2]
    assert "3 份测评表" in out and "3 页" in out


def test_scope_with_tally_in_unit_and_org_order(campaign, tmp_path):
    pages, _, _ = _print(tmp_path, "--campaign", campaign.slug, "--scope", "town-a", "--count", "2", "--tally")
    assert len(pages) == 3 * (2 + 1)
    assert [_org_of(p) for p in pages] == [name for name in TOWN_A_TARGETS for _ in range(3)]
    for i, text in enumerate(pages):
        is_tally = i % 3 == 2
        assert (ballots.TALLY_TITLE in text) is is_tally
        assert (ballots.TITLE in text) is not is_tally
    tally = pages[2]
    assert "计票人" in tally and "监票人" in tally and "划票" in tally and "合计" in tally
    assert "总体评价" in tally and all(name in tally for name in INDICATORS)


def test_a_long_name_keeps_to_its_box(campaign, tree, tmp_path):
    org = tree["vil-2"]
    org.name = "二村" + "很长的名称" * 30 + "党支部"
    org.save()
    pages, _, _ = _print(tmp_path, "--campaign", campaign.slug, "--org", "vil-2", "--count", "2", "--tally")
    assert len(pages) == 3
    assert all("二村很长的名称" in p for p in pages) and all(name in pages[0] for name in INDICATORS)


def test_whole_campaign(campaign, tmp_path):
    pages, _, _ = _print(tmp_path, "--campaign", campaign.slug, "--count", "1")
    assert [_org_of(p) for p in pages] == ALL_TARGETS


def test_count_members(campaign, tree, tmp_path):
    for code, members in (("vil-1", 2), ("vil-2", 4), ("com-1", 0)):
        tree[code].member_count = members
        tree[code].save()
    pages, _, err = _print(tmp_path, "--campaign", campaign.slug, "--scope", "town-a", "--count", "members")
    assert [_org_of(p) for p in pages] == ["一村党总支"] * 2 + ["二村党支部"] * 4
    assert "甲镇社区党支部" in err and "党员人数为 0" in err


def test_each_org_is_laid_out_once(campaign, monkeypatch):
    import weasyprint

    calls = []
    real = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        document = real(self, *args, **kwargs)
        calls.append(len(document.pages))
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    orgs = ballots.ballot_targets(campaign)
    one, _ = ballots.ballot_sheets(campaign, orgs, 1)
    many, _ = ballots.ballot_sheets(campaign, orgs, 30)
    small = ballots.ballots_pdf(campaign=campaign, sheets=one)
    big = ballots.ballots_pdf(campaign=campaign, sheets=many)
    # Per PDF: the form once (the test rubrics of the three sectors share their indicators), then one page of
    # lines per org — whatever the number of copies.
    assert calls == [1, len(orgs)] * 2
    assert len(PdfReader(io.BytesIO(big)).pages) == 30 * len(orgs)
    assert len(big) < 2 * len(small)  # the copies share their content


@pytest.mark.parametrize("args, message", [
    (["--campaign", "nope", "--count", "1"], "没有代码为“nope”的定级工作"),
    (["--campaign", "c2026", "--org", "nope", "--count", "1"], "没有组织编码为“nope”的党组织"),
    (["--campaign", "c2026", "--scope", "nope", "--count", "1"], "没有组织编码为“nope”的党组织"),
    (["--campaign", "c2026", "--org", "town-a", "--count", "1"], "不是“.*”的定级对象"),
    (["--campaign", "c2026", "--org", "vil-2", "--scope", "town-a", "--count", "1"], "只能指定其一"),
    (["--campaign", "c2026", "--count", "0"], "份数“0”无效"),
    (["--campaign", "c2026", "--count", "abc"], "份数“abc”无效"),
    (["--campaign", "c2026", "--count", "1001"], "份数“1001”无效"),
    (["--campaign", "c2026", "--count", "-3"], "份数“-3”无效"),
])
def test_bad_arguments(campaign, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("print_ballots", *args, "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_members_with_no_members_and_missing_directory(campaign, tree, tmp_path):
    tree["vil-2"].member_count = 0
    tree["vil-2"].save()
    with pytest.raises(CommandError, match="党员人数均为 0"):
        call_command("print_ballots", "--campaign", campaign.slug, "--org", "vil-2", "--count", "members",
                     "--output", str(tmp_path / "x.pdf"), stderr=io.StringIO())
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("print_ballots", "--campaign", campaign.slug, "--org", "vil-3", "--count", "1",
                     "--output", str(tmp_path / "no" / "x.pdf"))


# ---- the download -----------------------------------------------------------------------------------------------

def _url(campaign, **params):
    from urllib.parse import urlencode

    return reverse("survey_ballots", args=[campaign.slug]) + ("?" + urlencode(params) if params else "")


def test_staff_downloads_a_unit_with_tally(client, staff, campaign):
    response = login(client, staff).get(_url(campaign, scope="town-a", count="2", tally="1"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="c2026-town-a.pdf"')
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%84%E8%A1%A8-c2026-town-a.pdf" in response["Content-Disposition"]
    pages = _pages(response.content)
    assert len(pages) == 9 and [_org_of(p) for p in pages[::3]] == TOWN_A_TARGETS


def test_staff_downloads_one_org_by_members(client, staff, campaign, tree):
    tree["vil-3"].member_count = 4
    tree["vil-3"].save()
    response = login(client, staff).get(_url(campaign, org="vil-3", count="30", members="1"))
    assert response.status_code == 200
    assert [_org_of(p) for p in _pages(response.content)] == ["三村党支部"] * 4


def test_reviewer_prints_only_below_their_org(client, reviewer_of_township, campaign):
    login(client, reviewer_of_township)
    response = client.get(_url(campaign, count="1"))
    assert response.status_code == 200
    assert [_org_of(p) for p in _pages(response.content)] == TOWN_A_TARGETS
    assert client.get(_url(campaign, org="vil-3", count="1")).status_code == 404
    assert client.get(_url(campaign, scope="town-b", count="1")).status_code == 404


def test_wrong_roles(client, secretary_of_branch, other_reviewer, campaign):
    anonymous = client.get(_url(campaign, count="1"))
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert login(client, secretary_of_branch).get(_url(campaign, count="1")).status_code == 403
    assert login(client, other_reviewer).get(_url(campaign, org="vil-2", count="1")).status_code == 404


def _refusal(response):
    assert response.status_code == 302 and response["Location"] == reverse("survey_overview", args=["c2026"])
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_bad_requests_go_back_with_the_reason(client, staff, campaign, monkeypatch):
    login(client, staff)
    assert "份数“abc”无效" in _refusal(client.get(_url(campaign, count="abc")))
    assert "不是" in _refusal(client.get(_url(campaign, org="town-a", count="1")))
    monkeypatch.setattr(ballots, "WEB_MAX_ORGS", 2)
    message = _refusal(client.get(_url(campaign, scope="town-a", count="1")))
    assert "3 个定级对象" in message and "manage.py print_ballots" in message


def test_overview_offers_the_download(client, staff, campaign):
    page = login(client, staff).get(reverse("survey_overview", args=[campaign.slug]))
    assert page.status_code == 200 and _url(campaign) in page.content.decode()


def test_scope_outside_the_campaign(campaign, tmp_path):
    from branches.models import OrgKind
    from tests import factories as f

    f.org("other", "外县委", OrgKind.COMMITTEE)
    with pytest.raises(CommandError, match="不在“.*”的范围内"):
        call_command("print_ballots", "--campaign", campaign.slug, "--scope", "other", "--count", "1",
                     "--output", str(tmp_path / "x.pdf"))


def test_each_org_gets_its_own_rubric(campaign, tmp_path):
    from campaigns.models import CampaignSector
    from tests import factories as f

    community = CampaignSector.objects.get(campaign=campaign, sector__name="社区")
    community.rubric = f.rubric("社区", name="社区版", split=[("社区服务", 50), ("居民评价", 50)])
    community.save()
    pages, _, _ = _print(tmp_path, "--campaign", campaign.slug, "--scope", "town-a", "--count", "1", "--tally")
    by_org = {_org_of(p) + ("·计票" if ballots.TALLY_TITLE in p else ""): p for p in pages}
    for key in ("甲镇社区党支部", "甲镇社区党支部·计票"):
        assert "社区服务" in by_org[key] and "居民评价" in by_org[key] and "党组织带头人" not in by_org[key]
    village = by_org["二村党支部"]
    assert "社区服务" not in village
    positions = [village.index(name) for name in INDICATORS]
    assert positions == sorted(positions)
