"""Org codes: 1–64 Unicode letters or digits plus - _ . — new codes breaking the rule are refused on import (row
named, nothing saved) and by the model field; codes saved before the rule keep working and are listed by the
system check branches.W001."""
import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from branches.codes import code_problem
from branches.models import Org, OrgKind
from branches.services import OrgImportError, apply_org_import, parse_org_workbook
from campaigns.models import Phase
from tests import factories as f
from tests.branches.workbooks import org_row, xlsx
from tests.conftest import login

GOOD = ["1001", "东镇党委", "甲镇-1_b.2", "A", "一" * 64, "Ⅻ٣", "v1.0-rc_2"]
# (code, the character the message names)
BAD = [
    ("a/../b", "/"),
    ("a\\b", "\\"),
    ('a"b', '"'),
    ("a'b", "'"),
    ("“一村”", "“"),
    ("a b", "空格"),
    ("一\u3000村", "全角空格"),
    ("a\tb", "制表符"),
    ("a\x7fb", "U+007F"),
    ("a\u200bb", "U+200B"),
]


def w001(databases=("default",)):
    return [m for m in checks.run_checks(databases=list(databases)) if m.id == "branches.W001"]


def refused(rows):
    """Parse a bad file: it is refused and nothing is saved; return the problem texts."""
    orgs_before = list(Org.objects.order_by("path").values_list("code", "path", "name"))
    audits_before = AuditEntry.objects.count()
    plan = parse_org_workbook(xlsx(rows))
    assert not plan.ok
    assert not plan.created and not plan.updated and not plan.unchanged
    with pytest.raises(OrgImportError):
        apply_org_import(plan, actor=None)
    assert list(Org.objects.order_by("path").values_list("code", "path", "name")) == orgs_before
    assert AuditEntry.objects.count() == audits_before
    return [p.text for p in plan.errors]


def make_legacy(org, code):
    """Give `org` a code saved before the rule: written directly, as an old database holds it."""
    Org.objects.filter(pk=org.pk).update(code=code)


# --- the rule -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", GOOD)
def test_good_codes_pass(code):
    assert code_problem(code) == ""


@pytest.mark.parametrize("code,char", BAD)
def test_bad_characters_are_named(code, char):
    assert f"含有不允许的字符“{char}”：只能使用字母、数字和 - _ .，1–64 个字符" in code_problem(code)


def test_unprintable_characters_are_shown_escaped():
    assert code_problem("a\x7fb").startswith("组织编码“a<U+007F>b”")


def test_length_limits():
    assert "超过 64 个" in code_problem("x" * 65)
    assert code_problem("").startswith("组织编码不能为空")


@pytest.mark.parametrize("code", ["a/../b", "x" * 65, "a b"])
def test_the_model_field_refuses_a_bad_code(db, code):
    with pytest.raises(ValidationError) as exc:
        Org(code=code, name="某党委", kind=OrgKind.COMMITTEE, path="0001", depth=1).full_clean()
    assert code_problem(code) in exc.value.message_dict["code"]


# --- the import ---------------------------------------------------------------------------------------------


def test_good_codes_are_imported(sectors):
    rows = [org_row("东镇党委", "东镇党委", "党委", "", ""), org_row("1001", "一村党支部", parent="东镇党委"),
            org_row("甲镇-1_b.2", "二村党支部", parent="东镇党委"), org_row("一" * 64, "三村党支部", parent="东镇党委")]
    plan = parse_org_workbook(xlsx(rows))
    assert plan.ok, [p.text for p in plan.errors]
    assert apply_org_import(plan, actor=None).created == 4
    assert set(Org.objects.values_list("code", flat=True)) == {"东镇党委", "1001", "甲镇-1_b.2", "一" * 64}


@pytest.mark.parametrize("code,char", BAD)
def test_a_bad_code_is_refused_with_its_row(sectors, code, char):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row(code, "一村党支部", parent="C")])
    assert problems == [f"第3行「组织编码」：{code_problem(code)}。"]
    assert f"“{char}”" in problems[0]
    assert not Org.objects.exists()


def test_a_code_of_65_characters_is_refused_with_its_row(sectors):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("x" * 65, "一村党支部", parent="C")])
    assert problems == ["第3行「组织编码」：不能超过 64 个字（现有 65 个）。"]


def test_an_empty_code_is_refused_with_its_row(sectors):
    problems = refused([org_row("C", "县委", "党委", "", ""), org_row("", "一村党支部", parent="C")])
    assert problems == ["第3行「组织编码」：不能为空。"]


def test_every_bad_row_is_reported(sectors):
    problems = refused([org_row("a/b", "县委", "党委", "", ""), org_row("C", "一村党支部", parent="a/b"),
                        org_row("c d", "二村党支部", parent="a/b")])
    assert [p[:12] for p in problems] == ["第2行「组织编码」：组织", "第4行「组织编码」：组织"]


def test_an_existing_legacy_code_can_be_imported_again(tree, sectors):
    make_legacy(tree["vil-2"], "二村 老编码")
    plan = parse_org_workbook(xlsx([
        org_row("二村 老编码", "二村党支部（改名）", parent="town-a"),
        org_row("vil-2-b1", "二村第一党支部", parent="二村 老编码"),
    ]))
    assert plan.ok, [p.text for p in plan.errors]
    result = apply_org_import(plan, actor=None)
    assert (result.created, result.updated) == (1, 1)
    assert Org.objects.get(code="二村 老编码").name == "二村党支部（改名）"


# --- codes saved before the rule ----------------------------------------------------------------------------


def test_the_system_check_lists_legacy_codes(tree):
    assert w001() == []
    make_legacy(tree["vil-2"], "二村 老编码")
    make_legacy(tree["vil-3"], "a/../b")
    [warning] = w001()
    assert isinstance(warning, checks.Warning)
    assert "二村党支部（“二村 老编码”）" in warning.msg and "三村党支部（“a/../b”）" in warning.msg
    assert "共 2 个" in warning.msg
    assert "一村党总支" not in warning.msg


def test_the_system_check_shows_twenty_names_and_the_count(tree):
    for i in range(21):
        make_legacy(f.org(f"b{i:02}", f"第{i:02}支部", OrgKind.COMMITTEE, tree["county"]), f"旧 {i:02}")
    [warning] = w001()
    assert warning.msg.count("支部（“旧 ") == 20
    assert "等，共 21 个" in warning.msg


def test_the_system_check_reads_only_the_databases_it_is_given(tree):
    make_legacy(tree["vil-2"], "二村 老编码")
    assert w001(databases=()) == []


def test_a_legacy_org_page_still_opens(client, staff, tree):
    make_legacy(tree["vil-2"], "二村 老编码")
    response = login(client, staff).get(reverse("org_detail", args=["二村 老编码"]))
    assert response.status_code == 200
    assert "二村党支部" in response.content.decode()


def test_str_url_patterns_reach_a_legacy_code(client, staff, tree):
    campaign = f.campaign(tree["county"], phase=Phase.REVIEW)
    make_legacy(tree["vil-2"], "二村 老编码")
    response = login(client, staff).get(reverse("review_org", args=[campaign.slug, "二村 老编码"]))
    assert response.status_code == 200
    assert "二村党支部" in response.content.decode()


def test_the_admin_refuses_a_bad_code_and_saves_nothing(client, superuser, tree):
    data = {"code": "a/../b", "name": "新党委", "kind": OrgKind.COMMITTEE, "secretary": "", "member_count": 0,
            "recruits_3y": 0, "treebeard_position": "first-child", "treebeard_ref_node": tree["county"].pk}
    response = login(client, superuser).post(reverse("admin:branches_org_add"), data)
    assert response.status_code == 200
    assert code_problem("a/../b") in response.content.decode()
    assert not Org.objects.filter(name="新党委").exists()
    data["code"] = "新-党委.1"
    response = client.post(reverse("admin:branches_org_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Org.objects.get(name="新党委").code == "新-党委.1"
