"""The organisation tree (党委 → 党总支 → 党支部), sectors, and who holds which role on which org.

The tree is a django-treebeard materialised path: a subtree is `path LIKE 'prefix%'`, the ancestors are the
prefixes of a path, and tree order is `ORDER BY path` — each one query, whatever the depth.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node

from branches.codes import validate_org_code


class Sector(models.Model):
    """领域. Data, not code: a department may add its own."""

    name = models.CharField("领域", max_length=50, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    graded_at_top_only = models.BooleanField(
        "只评定最上一级", default=False,
        help_text="村、社区：只评定村/社区一级党组织，不评定村党总支下属的党支部。",
    )
    default_floor_gate = models.DecimalField(
        "满意率直接定为末等的下限（默认）", max_digits=4, decimal_places=3, null=True, blank=True,
        help_text="留空则使用测评工作的统一下限；机关事业单位为 0.60。",
    )

    class Meta:
        verbose_name = "领域"
        verbose_name_plural = "领域"
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general", "党总支"
    BRANCH = "branch", "党支部"


class Org(MP_Node):
    steplen = 4

    # The rule applies to new and edited codes; codes saved before it keep working (system check branches.W001).
    code = models.CharField("组织编码", max_length=64, unique=True, validators=[validate_org_code])
    name = models.CharField("组织名称", max_length=200)
    kind = models.CharField("组织类型", max_length=16, choices=OrgKind.choices)
    sector = models.ForeignKey(
        Sector, verbose_name="所属领域", null=True, blank=True, on_delete=models.PROTECT, related_name="orgs"
    )
    secretary = models.CharField("书记", max_length=50, blank=True)
    member_count = models.PositiveIntegerField("党员人数", default=0)
    recruits_3y = models.PositiveIntegerField("近三年发展党员数", default=0)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        constraints = [
            # Only a committee (党委) may be left without a sector: every 党总支 and 党支部 belongs to one.
            models.CheckConstraint(
                condition=Q(sector__isnull=False) | Q(kind="committee"), name="org_sector_required_below_committee"
            ),
            models.CheckConstraint(condition=~Q(code=""), name="org_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="org_name_not_blank"),
        ]

    def __str__(self):
        return self.name

    @property
    def parent_path(self):
        return self.path[: -self.steplen] if self.depth > 1 else ""

    def subtree(self, include_self=True):
        qs = Org.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_paths(self):
        return [self.path[: i * self.steplen] for i in range(1, self.depth)]


class Role(models.TextChoices):
    STAFF = "staff", "组织部工作人员"
    REVIEWER = "reviewer", "上级党组织评定人"
    SECRETARY = "secretary", "支部书记"


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="roles")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    org = models.ForeignKey(Org, verbose_name="党组织", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="role_assignments")

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="role_unique_per_org"),
            models.UniqueConstraint(fields=["user"], condition=Q(role="staff"), name="role_staff_once"),
            # Staff see every campaign and hold no org; reviewers and secretaries hold exactly one org each row.
            models.CheckConstraint(
                condition=(Q(role="staff") & Q(org__isnull=True)) | (~Q(role="staff") & Q(org__isnull=False)),
                name="role_org_matches_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.org}" if self.org_id else "")
