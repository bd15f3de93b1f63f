import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from branches.models import Org
from campaigns.models import Campaign

OBJECTION_MAX_CHARS = 1000


class Publicity(models.Model):
    """公示 of a campaign's results: the window (both ends inclusive, local calendar days) and its finalisation."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="publicity")
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示结束日期（含）")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="发布人")
    published_at = models.DateTimeField("发布时间")
    finalised_at = models.DateTimeField("定级确定时间", null=True, blank=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="确定人")

    class Meta:
        db_table = "scoring_publicity"  # the table kept its name when the model left scoring
        verbose_name = "公示"
        verbose_name_plural = "公示"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="publicity_window_order"),
        ]

    def __str__(self):
        return f"{self.campaign} · 公示 {self.starts_on}—{self.ends_on}"

    def has_ended_on(self, day: datetime.date) -> bool:
        return day > self.ends_on

    @property
    def days(self):
        return (self.ends_on - self.starts_on).days + 1


class PublishedResult(models.Model):
    """What the public page shows for one 定级对象: the grade as published (updated only by 重新公示)."""

    publicity = models.ForeignKey(Publicity, on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    org_name = models.CharField("组织名称", max_length=200)
    unit_name = models.CharField("所属单位", max_length=200, blank=True)
    label = models.CharField("等次", max_length=20)
    # Relative place of the grade in its scale: 0 = top band … 1000 = bottom band (scoring.services.rounds.rank),
    # so that results on several scales list best first together.
    position = models.PositiveSmallIntegerField("等次位次", default=0)
    revised = models.BooleanField("已根据异议复核更新", default=False)
    previous_label = models.CharField("复核前等次", max_length=20, blank=True)
    revised_at = models.DateTimeField("复核更新时间", null=True, blank=True)

    class Meta:
        db_table = "scoring_publishedresult"  # the table kept its name when the model left scoring
        verbose_name = "公示结果"
        verbose_name_plural = "公示结果"
        ordering = ["position", "label", "org__path"]
        constraints = [models.UniqueConstraint(fields=["publicity", "org"], name="published_result_unique")]

    def __str__(self):
        return f"{self.org_name} · {self.label}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"


class Objection(models.Model):
    """An objection (异议) lodged on the public page. Plain text, shown escaped; no IP or account is stored."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="objections")
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.PROTECT, related_name="objections",
                            verbose_name="涉及党组织", help_text="留空表示针对整个公示名单。")
    text = models.TextField("异议内容")
    contact = models.CharField("联系方式", max_length=100, blank=True)
    status = models.CharField("处理状态", max_length=10, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.PENDING)
    reply = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="处理人")
    answered_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_objection"  # the table kept its name when the model left scoring
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="objection_text_not_blank"),
            models.CheckConstraint(condition=Q(status="pending") | ~Q(reply=""), name="objection_answer_needs_reply"),
            models.CheckConstraint(condition=~Q(status="upheld") | Q(org__isnull=False),
                                   name="objection_upheld_names_org"),
        ]

    def __str__(self):
        return f"异议 #{self.pk}（{self.get_status_display()}）"


__all__ = ["OBJECTION_MAX_CHARS", "Publicity", "PublishedResult", "ObjectionStatus", "Objection"]
