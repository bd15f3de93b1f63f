"""The append-only audit log: who, when, what, before, after.

Entries are only ever inserted. The model refuses save() on an existing row and delete(); its queryset refuses
update() and delete(); the admin has no change or delete permission; and a database trigger (see migration 0002)
refuses UPDATE and DELETE on the table itself, on PostgreSQL and SQLite alike.
"""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除。")

    _raw_delete = delete


class AuditEntry(models.Model):
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象标识", max_length=64)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    campaign_id = models.BigIntegerField("测评工作", null=True, blank=True)
    before = models.JSONField("修改前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("修改后", null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField("理由", blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        default_permissions = ("add", "view")
        # Only the indexes the log is read by: the history of one object, a campaign's entries of one kind in time
        # order (reports.selectors), and time order (the admin list; `at`). Every index costs each insert — a
        # first grade computation appends 10,000 entries in one statement — so no single-column index per field
        # (on PostgreSQL a CharField index is two: plain and varchar_pattern_ops).
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["campaign_id", "object_type", "at"], name="audit_campaign_type_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '系统'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")
