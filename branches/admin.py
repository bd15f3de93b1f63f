"""Django admin (superusers): sectors, orgs (export in the import format; import goes through the 导入组织树 page or
`manage.py import_orgs`, which validate the whole tree), and role assignments on the user page."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from import_export import fields, resources
from import_export.admin import ExportMixin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from branches.models import Org, RoleAssignment, Sector
from branches.selectors import with_parent_fields


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "graded_at_top_only", "default_floor_gate")
    list_editable = ("order",)
    ordering = ("order", "name")


class OrgResource(resources.ModelResource):
    """The org tree in the columns of SPEC §10, so an export can be edited and imported again."""

    code = fields.Field(attribute="code", column_name="组织编码")
    name = fields.Field(attribute="name", column_name="组织名称")
    kind = fields.Field(column_name="组织类型")
    parent = fields.Field(attribute="parent_code", column_name="上级组织编码")
    sector = fields.Field(column_name="所属领域")
    secretary = fields.Field(attribute="secretary", column_name="书记")
    member_count = fields.Field(attribute="member_count", column_name="党员人数")
    recruits_3y = fields.Field(attribute="recruits_3y", column_name="近三年发展党员数")

    class Meta:
        model = Org
        fields = ("code", "name", "kind", "parent", "sector", "secretary", "member_count", "recruits_3y")
        export_order = fields

    def get_queryset(self):
        return with_parent_fields(Org.objects.select_related("sector").order_by("path"))

    def filter_export(self, queryset, **kwargs):
        return with_parent_fields(queryset.select_related("sector").order_by("path"))

    def dehydrate_kind(self, org):
        return org.get_kind_display()

    def dehydrate_sector(self, org):
        return org.sector.name if org.sector_id else ""

    def dehydrate_parent(self, org):
        return getattr(org, "parent_code", None) or ""


@admin.register(Org)
class OrgAdmin(ExportMixin, TreeAdmin):
    resource_classes = [OrgResource]
    form = movenodeform_factory(Org, exclude=("path", "depth", "numchild"))
    list_display = ("name", "code", "kind", "sector", "secretary", "member_count", "recruits_3y")
    list_filter = ("kind", "sector")
    search_fields = ("name", "code", "secretary")
    list_select_related = ("sector",)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("org",)
    verbose_name = "角色"
    verbose_name_plural = "角色（组织部工作人员不选党组织；评定人、支部书记必须选择党组织）"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, RoleAssignmentInline]
