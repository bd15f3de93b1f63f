"""The export job: one request for one report in one format, run by a Celery task, with progress and an expiry."""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel（XLSX）"
    PDF = "pdf", "PDF（打印）"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    QUEUE_FAILED = "queue_failed", "未能排队"
    EXPIRED = "expired", "已过期"


def export_upload_to(job, filename):
    return f"exports/{job.pk}/{filename}"


class ExportJob(models.Model):
    """An export of one report of one campaign. `scope` limits a reviewer's export to their subtree (null = the
    whole campaign, for staff). The file is deleted at `expires_at` (settings.EXPORT_TTL_HOURS)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs",
                             verbose_name="导出人")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="export_jobs",
                                 verbose_name="定级工作")
    report = models.CharField("报表", max_length=32)
    format = models.CharField("格式", max_length=8, choices=ExportFormat.choices)
    scope = models.ForeignKey("branches.Org", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name="范围（评定人所在党组织）")
    status = models.CharField("状态", max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    file = models.FileField("文件", upload_to=export_upload_to, blank=True, max_length=300)
    filename = models.CharField("文件名", max_length=200, blank=True)
    error = models.TextField("错误信息", blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    # Written every EXPORT_HEARTBEAT_SECONDS while the job runs; a running job silent for longer than
    # EXPORT_LOST_AFTER_SECONDS lost its worker (reports.services.sweep_lost_exports).
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间")

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "campaign", "-created_at"]), models.Index(fields=["expires_at"]),
                   models.Index(fields=["status", "heartbeat_at"], name="export_status_heartbeat")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100), name="export_progress_range"),
            models.CheckConstraint(condition=Q(format__in=["xlsx", "pdf"]), name="export_format_valid"),
        ]

    def __str__(self):
        return f"{self.report}.{self.format} · {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.expires_at is None:
            self.expires_at = (self.created_at or timezone.now()) + timedelta(hours=settings.EXPORT_TTL_HOURS)
        super().save(*args, **kwargs)

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED or self.expires_at <= timezone.now()

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.QUEUE_FAILED,
                               ExportStatus.EXPIRED)
