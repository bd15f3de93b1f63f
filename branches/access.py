"""Every access decision of the site, in one place. Views call these; a view never checks roles itself.

- staff (组织部工作人员) and superusers: everything.
- a reviewer of org X: sees X's subtree and reviews the orgs strictly below X.
- a secretary of org Y: sees and edits Y only.
Out-of-scope objects answer 404 (their existence is not revealed); a page meant for another role answers 403.
"""
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from branches.models import Org, Role, RoleAssignment

# The one answer for an object that is missing or outside the viewer's scope: the two look the same.
NOT_FOUND = "未找到，或不在您的权限范围内"


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    is_staff: bool
    reviewer_paths: tuple[str, ...]
    reviewer_org_ids: frozenset[int]
    secretary_org_ids: frozenset[int]

    @property
    def is_authenticated(self):
        return self.user_id is not None

    @property
    def is_reviewer(self):
        return bool(self.reviewer_paths)

    @property
    def is_secretary(self):
        return bool(self.secretary_org_ids)

    @property
    def role_labels(self):
        labels = []
        if self.is_staff:
            labels.append(Role.STAFF.label)
        if self.is_reviewer:
            labels.append(Role.REVIEWER.label)
        if self.is_secretary:
            labels.append(Role.SECRETARY.label)
        return labels


ANONYMOUS = Viewer(None, False, (), frozenset(), frozenset())


def viewer_for(user) -> Viewer:
    """The roles of a user, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_gradingsite_viewer", None)
    if cached is not None:
        return cached
    rows = list(RoleAssignment.objects.filter(user=user).values_list("role", "org_id", "org__path"))
    viewer = Viewer(
        user_id=user.pk,
        is_staff=user.is_superuser or any(r == Role.STAFF for r, _, _ in rows),
        reviewer_paths=tuple(sorted(p for r, _, p in rows if r == Role.REVIEWER)),
        reviewer_org_ids=frozenset(o for r, o, _ in rows if r == Role.REVIEWER),
        secretary_org_ids=frozenset(o for r, o, _ in rows if r == Role.SECRETARY),
    )
    user._gradingsite_viewer = viewer
    return viewer


def visible_orgs_q(viewer: Viewer, prefix: str = "") -> Q:
    """A filter for the orgs a viewer may see. `prefix` names the Org relation ("org__") when filtering others."""
    if viewer.is_staff:
        return Q()
    q = Q(**{f"{prefix}pk__in": list(viewer.secretary_org_ids)})
    for path in viewer.reviewer_paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    if not viewer.secretary_org_ids and not viewer.reviewer_paths:
        return Q(**{f"{prefix}pk__in": []})
    return q


def reviewable_orgs_q(viewer: Viewer, prefix: str = "") -> Q:
    """Orgs whose review (上级评定) the viewer may enter: strictly below a reviewer's org."""
    if viewer.is_staff:
        return Q()
    if not viewer.reviewer_paths:
        return Q(**{f"{prefix}pk__in": []})
    q = Q(**{f"{prefix}pk__in": []})
    for path in viewer.reviewer_paths:
        q |= Q(**{f"{prefix}path__startswith": path}) & ~Q(**{f"{prefix}path": path})
    return q


def can_view_org(viewer: Viewer, org: Org) -> bool:
    return (
        viewer.is_staff
        or org.pk in viewer.secretary_org_ids
        or any(org.path.startswith(p) for p in viewer.reviewer_paths)
    )


def can_review_org(viewer: Viewer, org: Org) -> bool:
    return viewer.is_staff or any(org.path.startswith(p) and org.path != p for p in viewer.reviewer_paths)


def is_secretary_of(viewer: Viewer, org: Org) -> bool:
    return org.pk in viewer.secretary_org_ids


def can_view_scope(viewer: Viewer, root: Org) -> bool:
    """May the viewer see a campaign run over `root`'s subtree (any of their orgs lies inside it, or above it)?"""
    if viewer.is_staff:
        return True
    if not viewer.is_authenticated:
        return False
    if viewer.secretary_org_ids and Org.objects.filter(
        pk__in=viewer.secretary_org_ids, path__startswith=root.path
    ).exists():
        return True
    return any(p.startswith(root.path) or root.path.startswith(p) for p in viewer.reviewer_paths)


ORG_NEEDS = {
    "view": can_view_org,
    "review": can_review_org,
    "secretary": lambda v, o: is_secretary_of(v, o) or v.is_staff,
}


def org_for(request, code: str, need: str = "view") -> Org:
    """The one access helper for orgs: the org `code` if the request's viewer may `need` it ("view", "review" or
    "secretary"), else 404 with NOT_FOUND (an org out of scope looks exactly like a missing one)."""
    allowed = ORG_NEEDS[need]
    org = Org.objects.select_related("sector").filter(code=code).first()
    if org is None or not allowed(viewer_for(request.user), org):
        raise Http404(NOT_FOUND)
    return org


def login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Staff of the 组织部 (or superusers) only: anonymous → login, any other role → 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not viewer_for(request.user).is_staff:
            raise PermissionDenied("仅组织部工作人员可以访问此页面。")
        return view(request, *args, **kwargs)

    return wrapper


def reviewer_or_staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        v = viewer_for(request.user)
        if not (v.is_staff or v.is_reviewer):
            raise PermissionDenied("仅上级党组织评定人或组织部工作人员可以访问此页面。")
        return view(request, *args, **kwargs)

    return wrapper


def reviewer_scopes(viewer: Viewer, root: Org) -> list[Org]:
    """For a reviewer: the subtrees they may see within a campaign over `root` — each of their reviewer orgs inside
    root's subtree, or root itself when they review an org at or above it. Empty for anyone else."""
    if not viewer.reviewer_paths:
        return []
    if any(root.path.startswith(p) for p in viewer.reviewer_paths):
        return [root]
    return list(Org.objects.filter(pk__in=viewer.reviewer_org_ids, path__startswith=root.path).order_by("path"))

