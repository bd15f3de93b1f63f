"""Pages of the branches app: the org tree, an org's detail, the Excel import, and people/roles. Views are thin:
access through branches.access, reads through selectors, writes through services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

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


def _import_page(request, *, status=200, **context):
    """The import page: the upload form, and a preview (`plan`, `token` to confirm it) or the table of errors."""
    context = {"columns": ORG_COLUMNS, "form": OrgImportUploadForm(), **context}
    return render(request, "branches/org_import.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def org_import(request):
    """Upload → preview (or the full error table). The upload is kept server-side under a random id, which only
    the uploading session may confirm (org_import_confirm)."""
    if request.method != "POST":
        return _import_page(request)
    form = OrgImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    token = ORG_UPLOADS.put(request, upload)
    plan = parse_org_workbook(ORG_UPLOADS.path(request, token))
    if not plan.ok:
        ORG_UPLOADS.discard(request, token)
        return _import_page(request, form=form, plan=plan, filename=upload.name, status=400)
    return _import_page(request, form=form, plan=plan, filename=upload.name, token=token)


@staff_required
@require_POST
def org_import_confirm(request):
    """Apply a previewed upload of this session; the file is re-validated against the database first."""
    confirm = OrgImportConfirmForm(request.POST)
    token = confirm.cleaned_data["token"] if confirm.is_valid() else ""
    path = ORG_UPLOADS.path(request, token)
    if path is None:
        return _import_page(request, expired=True, status=400)
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
    return _import_page(request, plan=plan, filename=request.POST.get("filename", ""), status=400)


@staff_required
def org_import_template(request):
    response = HttpResponse(org_template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition("党组织导入模板.xlsx")
    return response


# --- people -------------------------------------------------------------------------------------------------
# The page lists users with their roles; each action (create a user, assign or remove a role, reset a password) is
# a POST to its own view. Success redirects back (PRG); a refused action shows the page again with the reason.

PEOPLE_PAGE_SIZE = 50


def _people_page(request, *, create_form=None, assign_form=None, status=200):
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.people(q=q), PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "branches/people.html", {
        "page": page, "q": q,
        "create_form": create_form or CreateUserForm(prefix="new"),
        "assign_form": assign_form or AssignRoleForm(prefix="role", initial={"username": request.GET.get("user", "")}),
    }, status=status)


def _people_refused(request, reason: str):
    messages.error(request, reason)
    return _people_page(request, status=400)


@staff_required
@require_safe
def people(request):
    """Users with their roles (searchable, paged) and the forms of the actions below."""
    return _people_page(request)


@staff_required
@require_POST
def people_create_user(request):
    form = CreateUserForm(request.POST, prefix="new")
    if form.is_valid():
        d = form.cleaned_data
        try:
            user = create_user(actor=request.user, username=d["username"], full_name=d["full_name"],
                               password=d["password"])
        except PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新建用户 {user.username}（{user.first_name}），请为其分配角色。")
            return redirect(f"{reverse('people')}?user={user.username}#assign")
    return _people_page(request, create_form=form, status=400)


@staff_required
@require_POST
def people_assign_role(request):
    form = AssignRoleForm(request.POST, prefix="role")
    if form.is_valid():
        d = form.cleaned_data
        user = selectors.user_named(d["username"])
        if user is None:
            form.add_error("username", f"用户名“{d['username']}”不存在。")
            return _people_page(request, assign_form=form, status=400)
        try:
            assignment = assign_role(actor=request.user, user=user, role=d["role"], org_code=d["org_code"])
        except PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已为 {user.username} 分配角色：{assignment.get_role_display()}"
                             + (f" · {assignment.org.name}" if assignment.org_id else "") + "。")
            return redirect("people")
    return _people_page(request, assign_form=form, status=400)


@staff_required
@require_POST
def people_remove_role(request):
    form = RemoveRoleForm(request.POST)
    if not form.is_valid():
        return _people_refused(request, "请求无效，请刷新页面后重试。")
    try:
        remove_role(actor=request.user, assignment_id=form.cleaned_data["assignment_id"])
    except PeopleError as exc:
        return _people_refused(request, str(exc))
    messages.success(request, "已移除该角色。")
    return redirect("people")


@staff_required
@require_POST
def people_reset_password(request):
    form = ResetPasswordForm(request.POST)
    target = selectors.user_by_id(form.cleaned_data["user_id"]) if form.is_valid() else None
    if target is None:
        return _people_refused(request, "请填写新密码。" if "password" in form.errors else "该用户不存在。")
    try:
        reset_password(actor=request.user, user=target, password=form.cleaned_data["password"])
    except PeopleError as exc:
        return _people_refused(request, str(exc))
    messages.success(request, f"已重置 {target.username} 的密码。")
    return redirect("people")
