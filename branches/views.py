"""Pages of the branches app: the org tree, an org's detail, the Excel import, and people/roles. Views are thin:
access through branches.access, reads through selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from branches import selectors
from branches.access import (
    can_view_org,
    login_required,
    org_for,
    staff_required,
    viewer_for,
)
from branches.forms import (
    AssignRoleForm,
    CreateUserForm,
    OrgImportConfirmForm,
    OrgImportUploadForm,
    RemoveRoleForm,
    ResetPasswordForm,
)
from branches.panels import render_org_panels
from branches.services import (
    ORG_COLUMNS,
    OrgImportError,
    PeopleError,
    apply_org_import,
    assign_role,
    create_user,
    org_template_workbook,
    parse_org_workbook,
    remove_role,
    reset_password,
)
from core.downloads import content_disposition
from core.uploads import UploadStash

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required
def org_tree(request):
    sector = request.GET.get("sector", "")
    q = request.GET.get("q", "").strip()
    all_sectors = selectors.sectors()
    if sector and sector != selectors.NO_SECTOR and not any(str(s.pk) == sector for s in all_sectors):
        sector = ""
    rows = list(selectors.org_tree_rows(sector=sector, q=q))
    min_depth = min((o.depth for o in rows), default=1)
    return render(request, "branches/org_tree.html", {
        "rows": rows, "sectors": all_sectors, "sector": sector, "q": q, "filtered": bool(sector or q),
        "min_depth": min_depth, "no_sector": selectors.NO_SECTOR,
    })


@login_required
def org_detail(request, code):
    org = org_for(request, code, need="view")
    viewer = viewer_for(request.user)
    ancestors = [(a, can_view_org(viewer, a)) for a in selectors.org_ancestors(org)]
    children = [(c, can_view_org(viewer, c)) for c in selectors.org_children(org)]
    return render(request, "branches/org_detail.html", {
        "org": org,
        "ancestors": ancestors,
        "children": children,
        "role_holders": selectors.org_role_holders(org) if viewer.is_staff else None,
        "panels": render_org_panels(request, org),
    })


# --- import -------------------------------------------------------------------------------------------------


ORG_UPLOADS = UploadStash("orgs")


@staff_required
def org_import(request):
    """Upload → preview (or the full error table) → confirm. The upload is kept server-side under a random id,
    which only the uploading session may confirm; confirming re-validates the file against the database."""
    context = {"columns": ORG_COLUMNS, "form": OrgImportUploadForm()}
    if request.method != "POST":
        return render(request, "branches/org_import.html", context)

    if "token" in request.POST:
        confirm = OrgImportConfirmForm(request.POST)
        token = confirm.cleaned_data["token"] if confirm.is_valid() else ""
        path = ORG_UPLOADS.path(request, token)
        if path is None:
            context["expired"] = True
            return render(request, "branches/org_import.html", context, status=400)
        plan = parse_org_workbook(path)
        if plan.ok:
            try:
                result = apply_org_import(plan, actor=request.user)
            except OrgImportError as exc:
                plan.errors = exc.problems
            else:
                ORG_UPLOADS.discard(request, token)
                messages.success(request, f"导入完成：{result.summary}。")
                return redirect("org_tree")
        ORG_UPLOADS.discard(request, token)
        context.update(plan=plan, filename=request.POST.get("filename", ""))
        return render(request, "branches/org_import.html", context, status=400)

    form = OrgImportUploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "branches/org_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    token = ORG_UPLOADS.put(request, upload)
    plan = parse_org_workbook(ORG_UPLOADS.path(request, token))
    context.update(plan=plan, filename=upload.name)
    if not plan.ok:
        ORG_UPLOADS.discard(request, token)
        return render(request, "branches/org_import.html", context, status=400)
    context["token"] = token
    return render(request, "branches/org_import.html", context)


@staff_required
def org_import_template(request):
    response = HttpResponse(org_template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition("党组织导入模板.xlsx")
    return response


# --- people -------------------------------------------------------------------------------------------------

PEOPLE_PAGE_SIZE = 50


@staff_required
def people(request):
    """Users with their roles; create a user, assign or remove a role, reset a password. Each action is a POST
    with an `action` field; success redirects back (PRG), a refused action re-renders with the reason."""
    User = get_user_model()
    create_form = CreateUserForm(prefix="new")
    assign_form = AssignRoleForm(prefix="role", initial={"username": request.GET.get("user", "")})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create_user":
                create_form = CreateUserForm(request.POST, prefix="new")
                if create_form.is_valid():
                    d = create_form.cleaned_data
                    user = create_user(actor=request.user, username=d["username"], full_name=d["full_name"],
                                       password=d["password"])
                    messages.success(request, f"已新建用户 {user.username}（{user.first_name}），请为其分配角色。")
                    return redirect(f"{reverse('people')}?user={user.username}#assign")
            elif action == "assign_role":
                assign_form = AssignRoleForm(request.POST, prefix="role")
                if assign_form.is_valid():
                    d = assign_form.cleaned_data
                    user = User.objects.filter(username=d["username"].strip()).first()
                    if user is None:
                        assign_form.add_error("username", f"用户名“{d['username']}”不存在。")
                    else:
                        assignment = assign_role(actor=request.user, user=user, role=d["role"],
                                                 org_code=d["org_code"])
                        messages.success(request, f"已为 {user.username} 分配角色：{assignment.get_role_display()}"
                                         + (f" · {assignment.org.name}" if assignment.org_id else "") + "。")
                        return redirect("people")
            elif action == "remove_role":
                form = RemoveRoleForm(request.POST)
                if form.is_valid():
                    remove_role(actor=request.user, assignment_id=form.cleaned_data["assignment_id"])
                    messages.success(request, "已移除该角色。")
                    return redirect("people")
                messages.error(request, "请求无效，请刷新页面后重试。")
            elif action == "reset_password":
                form = ResetPasswordForm(request.POST)
                target = (User.objects.filter(pk=form.cleaned_data["user_id"]).first()
                          if form.is_valid() else None)
                if target is None:
                    messages.error(request, "请填写新密码。" if form.is_bound and "password" in form.errors
                                   else "该用户不存在。")
                else:
                    reset_password(actor=request.user, user=target, password=form.cleaned_data["password"])
                    messages.success(request, f"已重置 {target.username} 的密码。")
                    return redirect("people")
            else:
                messages.error(request, "未知的操作。")
        except PeopleError as exc:
            if action == "create_user":
                create_form.add_error(None, str(exc))
            elif action == "assign_role":
                assign_form.add_error(None, str(exc))
            else:
                messages.error(request, str(exc))
        status = 400

    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.people(q=q), PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "branches/people.html", {
        "page": page, "q": q, "create_form": create_form, "assign_form": assign_form,
    }, status=status)
