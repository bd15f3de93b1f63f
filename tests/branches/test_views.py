"""Pages of the branches app through the test client: the right persona gets the page, every wrong one is refused
(anonymous → login, another role → 403, out-of-scope → 404)."""
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from branches.models import Org
from branches.panels import register_org_panel, unregister_org_panel
from branches.services import apply_org_import, parse_org_workbook
from tests.branches.workbooks import HEADER, org_row, small_county_rows, xlsx
from tests.conftest import login

STAFF_PAGES = [("org_tree", []), ("org_import", []), ("org_import_template", []), ("people", [])]


# --- access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", STAFF_PAGES)
def test_staff_pages_refuse_anonymous(client, tree, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["secretary_of_branch", "reviewer_of_township", "other_secretary"])
@pytest.mark.parametrize("name,args", STAFF_PAGES)
def test_staff_pages_refuse_other_roles(client, request, persona, name, args):
    user = request.getfixturevalue(persona)
    assert login(client, user).get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse(name, args=args), {}).status_code == 403


def test_staff_pages_refuse_a_user_without_role(client, tree):
    from tests import factories as f

    login(client, f.user("nobody"))
    assert client.get(reverse("org_tree")).status_code == 403


@pytest.mark.parametrize("persona,code,status", [
    ("staff", "vil-3", 200),
    ("superuser", "vil-1-b1", 200),
    ("reviewer_of_township", "town-a", 200),      # own org
    ("reviewer_of_township", "vil-1-b2", 200),    # below own org
    ("reviewer_of_township", "vil-3", 404),       # other township
    ("reviewer_of_township", "county", 404),      # above own org
    ("other_reviewer", "vil-2", 404),
    ("secretary_of_branch", "vil-2", 200),        # own org
    ("secretary_of_branch", "vil-1", 404),        # sibling
    ("secretary_of_branch", "town-a", 404),       # own parent
    ("other_secretary", "vil-2", 404),
    ("staff", "no-such-org", 404),
])
def test_org_detail_scoping(client, request, tree, persona, code, status):
    user = request.getfixturevalue(persona)
    assert login(client, user).get(reverse("org_detail", args=[code])).status_code == status


def test_org_detail_needs_login(client, tree):
    response = client.get(reverse("org_detail", args=["vil-2"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- org tree -----------------------------------------------------------------------------------------------


def test_org_tree_lists_every_org_in_tree_order_with_facts(client, staff, tree):
    html = login(client, staff).get(reverse("org_tree")).content.decode()
    positions = [html.index(f">{name}<") for name in ["示范县委", "甲镇党委", "一村党总支", "一村第一党支部",
                                                         "二村党支部", "乙镇党委", "三村党支部", "县直机关工委"]]
    assert positions == sorted(positions)
    assert reverse("org_detail", args=["vil-1-b1"]) in html
    assert reverse("org_import") in html and reverse("org_import_template") in html
    assert 'data-depth="4" data-min-depth="1"' in html  # vil-1-b1 is at depth 4, the shallowest listed at 1
    assert "党员人数" in html and "近三年发展党员数" in html


def test_org_tree_filters_by_sector_and_search(client, staff, tree):
    login(client, staff)

    def listed(params):
        rows = client.get(reverse("org_tree"), params).context["rows"]
        return [o.code for o in rows]

    village = Org.objects.get(code="vil-2").sector_id
    assert listed({"sector": village}) == ["vil-1", "vil-1-b1", "vil-1-b2", "vil-2", "vil-3"]
    assert listed({"q": "财政"}) == ["ag-1"]
    assert "上级：县直机关工委" in client.get(reverse("org_tree"), {"q": "财政"}).content.decode()
    assert listed({"q": "vil-1-b"}) == ["vil-1-b1", "vil-1-b2"]
    assert listed({"sector": "none"}) == ["county", "town-a", "town-b"]
    assert listed({"sector": village, "q": "三村"}) == ["vil-3"]
    assert listed({"sector": "999999"}) == listed({})  # an unknown sector is ignored
    assert "没有符合条件的党组织" in client.get(reverse("org_tree"), {"q": "没有这个"}).content.decode()


def _tree_of(n, sectors):
    rows = [org_row("R", "县委", "党委", "", "")]
    towns = max(1, n // 10)
    for t in range(towns):
        rows.append(org_row(f"T{t}", f"{t}号镇党委", "党委", "R", ""))
    for i in range(n - towns - 1):
        rows.append(org_row(f"B{i}", f"{i}号村党支部", parent=f"T{i % towns}"))
    apply_org_import(parse_org_workbook(xlsx(rows)), actor=None)
    assert Org.objects.count() == n


@pytest.mark.parametrize("size", [20, 200])
def test_org_tree_query_count_does_not_grow(client, sectors, size, django_assert_max_num_queries):
    from tests import factories as f

    _tree_of(size, sectors)
    user = f.user("staff", f.STAFF)
    login(client, user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("org_tree"))
    assert response.content.decode().count('class="orgname"') == size
    with django_assert_max_num_queries(6):
        client.get(reverse("org_tree"), {"q": "村", "sector": str(Org.objects.get(code="B0").sector_id)})


# --- org detail ---------------------------------------------------------------------------------------------


def test_org_detail_shows_facts_chain_children_and_roles_for_staff(client, staff, secretary_of_branch, tree):
    html = login(client, staff).get(reverse("org_detail", args=["vil-1"])).content.decode()
    for text in ["一村党总支", "vil-1", "党总支", "村", "示范县委", "甲镇党委", "一村第一党支部", "一村第二党支部",
                 "账号与角色"]:
        assert text in html
    assert reverse("org_detail", args=["town-a"]) in html and reverse("org_detail", args=["vil-1-b1"]) in html
    html = client.get(reverse("org_detail", args=["vil-2"])).content.decode()
    assert "二村书记" in html and "支部书记" in html and "sec_vil2" in html


def test_org_detail_for_a_secretary_hides_roles_and_links_out_of_scope(client, secretary_of_branch, tree):
    html = login(client, secretary_of_branch).get(reverse("org_detail", args=["vil-2"])).content.decode()
    assert "二村党支部" in html and "甲镇党委" in html
    assert reverse("org_detail", args=["town-a"]) not in html  # the parent is named, not linked
    assert "账号与角色" not in html and "sec_vil2" not in html


def test_org_detail_reviewer_links_inside_scope_only(client, reviewer_of_township, tree):
    html = login(client, reviewer_of_township).get(reverse("org_detail", args=["vil-1"])).content.decode()
    assert reverse("org_detail", args=["town-a"]) in html and reverse("org_detail", args=["vil-1-b1"]) in html
    assert reverse("org_detail", args=["county"]) not in html


def test_org_detail_query_count(client, staff, tree, django_assert_max_num_queries, monkeypatch):
    """The page's own reads (panels of other apps, which count their own, left out)."""
    monkeypatch.setattr("branches.panels._panels", [])
    login(client, staff)
    with django_assert_max_num_queries(8):
        client.get(reverse("org_detail", args=["vil-1"]))


def test_registered_panels_render_on_org_detail(client, staff, secretary_of_branch, tree, monkeypatch):
    from django.utils.html import format_html

    monkeypatch.setattr("branches.panels._panels", [])  # only this test's panels

    calls = []

    def html_panel(request, org):
        calls.append((request.user.username, org.code))
        return {"title": "测试面板", "html": format_html("<p class='t'>{} 的面板</p>", org.name)}

    def template_panel(request, org):
        if org.code != "vil-2":
            return None
        return {"title": "模板面板", "template": "branches/_test_panel.html", "context": {"word": "<b>你好</b>"}}

    def unsafe_panel(request, org):
        return {"title": "未转义", "html": "<script>alert(1)</script>"}

    for fn in (html_panel, template_panel, unsafe_panel):
        register_org_panel(fn)
    register_org_panel(html_panel)  # registering twice shows it once
    try:
        html = login(client, secretary_of_branch).get(reverse("org_detail", args=["vil-2"])).content.decode()
        assert html.count("<p class='t'>二村党支部 的面板</p>") == 1 and "测试面板" in html
        assert "模板面板" in html and "&lt;b&gt;你好&lt;/b&gt;" in html and "二村党支部·模板" in html
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
        html = login(client, staff).get(reverse("org_detail", args=["vil-3"])).content.decode()
        assert "测试面板" in html and "模板面板" not in html
        assert calls == [("sec_vil2", "vil-2"), ("staff", "vil-3")]
        # a user who may not view the org never reaches the panels
        login(client, secretary_of_branch).get(reverse("org_detail", args=["vil-3"]))
        assert len(calls) == 2
    finally:
        for fn in (html_panel, template_panel, unsafe_panel):
            unregister_org_panel(fn)


# --- import page --------------------------------------------------------------------------------------------


def upload(client, book, **extra):
    book.seek(0)
    book.name = getattr(book, "name", "orgs.xlsx")
    return client.post(reverse("org_import"), {"file": book, **extra})


def test_import_preview_then_confirm(client, staff, sectors):
    login(client, staff)
    assert "下载导入模板" in client.get(reverse("org_import")).content.decode()
    before = Org.objects.count()
    response = upload(client, xlsx(small_county_rows()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入预览" in html and "新增 9 个、更新 0 个、未变 0 个" in html and "东一村第一党支部" in html
    assert Org.objects.count() == before  # preview saves nothing
    token = response.context["token"]
    response = client.post(reverse("org_import_confirm"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("org_tree")
    assert Org.objects.filter(code__in=["C", "V1-1", "A1"]).count() == 3
    assert AuditEntry.objects.filter(action="新增党组织", actor=staff).count() == 9
    html = client.get(reverse("org_tree")).content.decode()
    assert "导入完成：新增 9 个、更新 0 个、未变 0 个。" in html
    # the token is spent: a second confirm is refused and changes nothing
    response = client.post(reverse("org_import_confirm"), {"token": token})
    assert response.status_code == 400 and "已失效" in response.content.decode()
    assert AuditEntry.objects.filter(action="导入党组织").count() == 1


def test_import_preview_lists_updates_with_changed_fields(client, staff, sectors):
    apply_org_import(parse_org_workbook(xlsx(small_county_rows())), actor=None)
    rows = small_county_rows()
    rows[5] = org_row("V2", "东二村党支部", "党支部", "T2", "村", members=30, recruits=0)
    login(client, staff)
    response = upload(client, xlsx(rows))
    html = response.content.decode()
    assert "新增 0 个、更新 1 个、未变 8 个" in html
    assert "上级组织编码" in html and "移动（连同下级）" in html and "党员人数" in html
    response = client.post(reverse("org_import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 302
    v2 = Org.objects.get(code="V2")
    assert v2.member_count == 30 and v2.path.startswith(Org.objects.get(code="T2").path)


def test_import_errors_shown_as_a_table_and_nothing_saved(client, staff, sectors):
    login(client, staff)
    rows = [org_row("C", "县委", "党委", "", ""), org_row("V", "一村", "支部", "C", "村"),
            org_row("W", "二村", parent="ZZ")]
    response = upload(client, xlsx(rows))
    assert response.status_code == 400
    html = response.content.decode()
    assert "有 2 个问题，未导入任何数据" in html
    assert "<th>行</th><th>列</th><th>问题</th>" in html
    assert "未知的组织类型“支部”" in html and "上级组织编码“ZZ”在文件和系统中都不存在" in html
    assert 'name="token"' not in html
    assert not Org.objects.filter(code__in=["C", "V", "W"]).exists()


def test_import_rejects_a_non_workbook_and_a_missing_file(client, staff):
    login(client, staff)
    fake = io.BytesIO(b"not a workbook")
    fake.name = "orgs.xlsx"
    response = client.post(reverse("org_import"), {"file": fake})
    assert response.status_code == 400 and "不是有效的 Excel 工作簿" in response.content.decode()
    response = client.post(reverse("org_import"), {})
    assert response.status_code == 400 and "请选择要导入的 Excel 文件" in response.content.decode()


def test_import_confirm_needs_the_uploading_session_and_a_valid_token(client, staff, sectors, superuser):
    login(client, staff)
    token = upload(client, xlsx(small_county_rows())).context["token"]
    other = client.__class__()
    login(other, superuser)
    response = other.post(reverse("org_import_confirm"), {"token": token})
    assert response.status_code == 400 and not Org.objects.filter(code="C").exists()
    for bad in ["../../etc/passwd", "0" * 31, ""]:
        assert client.post(reverse("org_import_confirm"), {"token": bad}).status_code == 400
    assert client.post(reverse("org_import_confirm"), {"token": token}).status_code == 302


def test_import_confirm_revalidates(client, staff, tree, sectors):
    """Between preview and confirm the parent disappears: the confirm shows the problem and saves nothing."""
    login(client, staff)
    token = upload(client, xlsx([org_row("vil-9", "九村党支部", parent="town-b")])).context["token"]
    Org.objects.get(code="town-b").delete()
    response = client.post(reverse("org_import_confirm"), {"token": token})
    assert response.status_code == 400
    assert "上级组织编码“town-b”在文件和系统中都不存在" in response.content.decode()
    assert not Org.objects.filter(code="vil-9").exists()


def test_import_template_is_a_workbook_that_imports(client, staff, sectors):
    response = login(client, staff).get(reverse("org_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.max_row >= 2
    plan = parse_org_workbook(io.BytesIO(response.content))
    assert plan.ok and len(plan.created) == ws.max_row - 1


# --- people -------------------------------------------------------------------------------------------------


def test_people_lists_users_with_roles(client, staff, reviewer_of_township, secretary_of_branch):
    html = login(client, staff).get(reverse("people")).content.decode()
    assert "reviewer_a" in html and "上级党组织评定人" in html and "甲镇党委" in html
    assert "sec_vil2" in html and "二村党支部" in html and "组织部工作人员" in html


def test_people_query_count_does_not_grow(client, staff, tree, django_assert_max_num_queries):
    from tests import factories as f

    login(client, staff)
    for n in (5, 45):
        for i in range(n):
            f.user(f"u{n}-{i}", f.SECRETARY, tree["vil-2"])
        with django_assert_max_num_queries(8):
            client.get(reverse("people"))


def test_people_create_user_assign_remove_reset_all_audited(client, staff, tree):
    from django.contrib.auth import authenticate, get_user_model

    login(client, staff)
    response = client.post(reverse("people_create_user"), {"new-username": "zhangsan", "new-full_name": "张三",
                                                           "new-password": "Ganbu2026!x"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="zhangsan")
    assert user.first_name == "张三" and authenticate(username="zhangsan", password="Ganbu2026!x")
    entry = AuditEntry.objects.get(action="新建用户")
    assert entry.actor == staff and entry.after == {"username": "zhangsan", "name": "张三"}

    response = client.post(reverse("people_assign_role"), {"role-username": "zhangsan", "role-role": "secretary",
                                                           "role-org_code": "vil-3"})
    assert response.status_code == 302
    assignment = user.roles.get()
    assert (assignment.role, assignment.org.code) == ("secretary", "vil-3")
    entry = AuditEntry.objects.get(action="分配角色")
    assert entry.actor == staff and entry.before is None
    assert entry.after == {"user": "zhangsan", "role": "支部书记", "org": "vil-3"}

    response = client.post(reverse("people_reset_password"), {"user_id": user.pk, "password": "Xinmima2026!y"})
    assert response.status_code == 302
    assert authenticate(username="zhangsan", password="Xinmima2026!y")
    entry = AuditEntry.objects.get(action="重置密码")
    assert entry.actor == staff and "Xinmima" not in str(entry.after) + str(entry.before)

    response = client.post(reverse("people_remove_role"), {"assignment_id": assignment.pk})
    assert response.status_code == 302 and not user.roles.exists()
    entry = AuditEntry.objects.get(action="移除角色")
    assert entry.before == {"user": "zhangsan", "role": "支部书记", "org": "vil-3"} and entry.after is None


@pytest.mark.parametrize("name,data,message", [
    ("people_create_user", {"new-username": "staff", "new-full_name": "重名", "new-password": "Ganbu2026!x"},
     "用户名“staff”已存在"),
    ("people_create_user", {"new-username": "lisi", "new-full_name": "李四", "new-password": "123"},
     "密码"),
    ("people_create_user", {"new-username": "", "new-full_name": "", "new-password": ""}, "这个字段是必填项"),
    ("people_assign_role", {"role-username": "nobody", "role-role": "secretary", "role-org_code": "vil-3"},
     "用户名“nobody”不存在"),
    ("people_assign_role", {"role-username": "sec_vil3", "role-role": "reviewer", "role-org_code": "NOPE"},
     "组织编码“NOPE”不存在"),
    ("people_assign_role", {"role-username": "sec_vil3", "role-role": "reviewer", "role-org_code": ""},
     "必须填写党组织的组织编码"),
    ("people_assign_role", {"role-username": "sec_vil3", "role-role": "reviewer", "role-org_code": "vil-2"},
     "上级党组织评定人只能分配到党委或党总支"),
    ("people_assign_role", {"role-username": "sec_vil3", "role-role": "secretary", "role-org_code": "vil-3"},
     "已经是三村党支部的支部书记"),
    ("people_assign_role", {"role-username": "staff", "role-role": "staff", "role-org_code": ""},
     "已经是组织部工作人员"),
    ("people_remove_role", {"assignment_id": 999999}, "该角色分配不存在"),
    ("people_reset_password", {"user_id": 999999, "password": "Xinmima2026!y"}, "该用户不存在"),
    ("people_reset_password", {"user_id": 999999, "password": ""}, "请填写新密码"),
    ("people_remove_role", {"assignment_id": "x"}, "请求无效"),
])
def test_people_refused_actions_say_why_and_change_nothing(client, staff, other_secretary, name, data, message):
    login(client, staff)
    audits = AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count()
    response = client.post(reverse(name), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count() == audits


def test_staff_cannot_remove_own_staff_role_nor_reset_a_superuser_password(client, staff, superuser):
    login(client, staff)
    own = staff.roles.get()
    response = client.post(reverse("people_remove_role"), {"assignment_id": own.pk})
    assert response.status_code == 400 and "不能移除自己的组织部工作人员角色" in response.content.decode()
    assert staff.roles.exists()
    response = client.post(reverse("people_reset_password"), {"user_id": superuser.pk, "password": "Xinmima2026!y"})
    assert response.status_code == 400 and "只有超级管理员" in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.check_password("pw-root")


PEOPLE_ACTIONS = ["people_create_user", "people_assign_role", "people_remove_role", "people_reset_password"]
POST_ONLY = [*PEOPLE_ACTIONS, "org_import_confirm"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_staff_actions_refuse_other_roles_and_get(client, tree, staff, secretary_of_branch,
                                                            reviewer_of_township, name):
    audits = AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count()
    response = client.post(reverse(name), {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for persona in (secretary_of_branch, reviewer_of_township):
        assert login(client, persona).post(reverse(name), {}).status_code == 403
        assert client.get(reverse(name)).status_code == 403
    assert login(client, staff).get(reverse(name)).status_code == 405
    assert AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count() == audits


def test_the_people_page_takes_no_post(client, staff):
    """Every action has its own URL; a POST to the page itself (an old form, a made-up action) changes nothing."""
    login(client, staff)
    audits = AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count()
    assert client.post(reverse("people"), {"action": "bogus"}).status_code == 405
    assert AuditEntry.objects.exclude(action__in=("登录", "退出登录")).count() == audits


def test_a_refused_create_keeps_what_was_typed_and_the_assign_form(client, staff):
    login(client, staff)
    response = client.post(reverse("people_create_user"), {"new-username": "lisi", "new-full_name": "李四",
                                                           "new-password": "123"})
    html = response.content.decode()
    assert response.status_code == 400 and 'value="lisi"' in html and 'name="role-username"' in html
    assert reverse("people_assign_role") in html and reverse("people_create_user") in html


def test_people_search(client, staff, reviewer_of_township, secretary_of_branch):
    login(client, staff)
    html = client.get(reverse("people"), {"q": "vil-2"}).content.decode()
    assert "sec_vil2" in html and "reviewer_a" not in html
    html = client.get(reverse("people"), {"q": "甲镇"}).content.decode()
    assert "reviewer_a" in html and "sec_vil2" not in html
