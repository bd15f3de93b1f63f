"""Read paths of the branches app, shaped for the pages: each a fixed number of queries whatever the tree size."""
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Length, Substr

from branches.models import Org, RoleAssignment, Sector

NO_SECTOR = "none"


def with_parent_fields(qs):
    """Annotate each org with parent_code and parent_name (one query with the rows, any depth)."""
    parent = Org.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Org.steplen))
    return qs.annotate(parent_code=Subquery(parent.values("code")[:1]),
                       parent_name=Subquery(parent.values("name")[:1]))


def org_tree_rows(*, sector: str = "", q: str = ""):
    """Every org in tree order (ORDER BY path), with its sector and parent; optionally only one sector
    (a Sector id, or NO_SECTOR for orgs without one) and/or those whose name or code contains `q`. One query."""
    qs = Org.objects.select_related("sector").order_by("path")
    if sector == NO_SECTOR:
        qs = qs.filter(sector__isnull=True)
    elif sector:
        qs = qs.filter(sector_id=sector)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return with_parent_fields(qs)


def sectors():
    return list(Sector.objects.all())


def org_ancestors(org: Org):
    """The chain from the root down to `org`'s parent (one query)."""
    return list(Org.objects.filter(path__in=org.ancestor_paths()).select_related("sector").order_by("path"))


def org_children(org: Org):
    """Direct children of `org` in tree order (one query)."""
    return list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1)
                .select_related("sector").order_by("path"))


def org_role_holders(org: Org):
    """Who holds which role on `org` (one query)."""
    return list(RoleAssignment.objects.filter(org=org).select_related("user").order_by("role", "user__username"))


def people(*, q: str = ""):
    """Users by username with their role assignments (and the orgs) prefetched: two queries per page."""
    qs = get_user_model().objects.order_by("username").prefetch_related(
        Prefetch("roles", queryset=RoleAssignment.objects.select_related("org").order_by("role", "org__path"))
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                       | Q(roles__org__code=q) | Q(roles__org__name__icontains=q)).distinct()
    return qs


def user_named(username: str):
    """The user with this username (surrounding spaces ignored), or None."""
    return get_user_model().objects.filter(username=(username or "").strip()).first()


def user_by_id(pk: int):
    return get_user_model().objects.filter(pk=pk).first()
