import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from branches.models import Org
from campaigns.models import Campaign


class Tier(models.TextChoices):
    """Where an org's grade lies in its scale; decides what follows the grading (SPEC §8)."""

    TOP = "top", "最高等次（经验推广）"
    MIDDLE = "middle", "中间等次"
    GENERAL = "general", "一般（联系领导）"
    BOTTOM = "bottom", "末等（亮黄牌）"


class RectificationPlan(models.Model):
    """整改提升 of one graded org after the results are final.

    Every org below the top band files items (problems, measures, responsible, deadline). The bottom band gets a
    yellow card with a deadline and a contact leader; 一般 gets a contact leader; the top band is marked for
    sharing its experience (and files nothing)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rectification_plans")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="rectification_plans")
    label = models.CharField("定级等次", max_length=20)
    tier = models.CharField("类别", max_length=8, choices=Tier.choices)
    share_experience = models.BooleanField("经验推广", default=False)
    yellow_card = models.BooleanField("亮黄牌", default=False)
    yellow_card_deadline = models.DateField("黄牌整改期限", null=True, blank=True)
    contact_leader = models.CharField("联系领导", max_length=100, blank=True)
    submitted_at = models.DateTimeField("方案报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="报送人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_rectificationplan"  # the table kept its name when the model left scoring
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org"], name="rectification_plan_unique"),
            models.CheckConstraint(condition=Q(yellow_card=True) | Q(yellow_card_deadline__isnull=True),
                                   name="rectification_deadline_only_with_card"),
        ]

    def __str__(self):
        return f"{self.org} · 整改方案"

    @property
    def needs_plan(self):
        return self.tier != Tier.TOP

    @property
    def needs_contact_leader(self):
        return self.tier in (Tier.GENERAL, Tier.BOTTOM)


class ItemStatus(models.TextChoices):
    OPEN = "open", "整改中"
    REPORTED = "reported", "待验收"
    ACCEPTED = "accepted", "已验收"
    RETURNED = "returned", "验收退回"


class RectificationItem(models.Model):
    """One problem of a plan with its measures, the person responsible and the deadline; accepted by a reviewer."""

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="items")
    problem = models.TextField("存在问题")
    measures = models.TextField("整改措施")
    responsible = models.CharField("责任人", max_length=50)
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    review_note = models.TextField("验收意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="验收人")
    reviewed_at = models.DateTimeField("验收时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_rectificationitem"  # the table kept its name when the model left scoring
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["plan", "deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(problem="") & ~Q(measures="") & ~Q(responsible=""),
                                   name="rectification_item_complete"),
        ]

    def __str__(self):
        return self.problem[:40]

    @property
    def accepted(self):
        return self.status == ItemStatus.ACCEPTED

    def is_overdue_on(self, day: datetime.date) -> bool:
        """Deadline passed (the deadline day itself still counts as in time) and not accepted."""
        return self.status != ItemStatus.ACCEPTED and day > self.deadline


class RectificationProgress(models.Model):
    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="progress")
    text = models.TextField("整改进展")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="报告人")
    reported_at = models.DateTimeField("报告时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_rectificationprogress"  # the table kept its name when the model left scoring
        verbose_name = "整改进展"
        verbose_name_plural = "整改进展"
        ordering = ["reported_at", "id"]

    def __str__(self):
        return self.text[:40]

class StarStatus(models.TextChoices):
    VALID = "valid", "有效"
    LOWERED = "lowered", "已降级"
    REVOKED = "revoked", "已撤销"


class StarRating(models.Model):
    """星级 of an org from a campaign graded on the `stars` scale.

    Valid on every day d with valid_from ≤ d < expires_on, where expires_on is the same calendar day two years
    after valid_from (28 February when that day is 29 February); on expires_on it has expired. Staff may lower
    (status lowered, label changed, original_label kept) or revoke it with a reason."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="star_ratings")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="star_ratings")
    label = models.CharField("星级", max_length=20)
    original_label = models.CharField("评定星级", max_length=20)
    valid_from = models.DateField("生效日期")
    expires_on = models.DateField("失效日期", help_text="当天起不再有效。")
    status = models.CharField("状态", max_length=8, choices=StarStatus.choices, default=StarStatus.VALID)
    changed_reason = models.TextField("调整理由", blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="调整人")
    changed_at = models.DateTimeField("调整时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_starrating"  # the table kept its name when the model left scoring
        verbose_name = "星级评定"
        verbose_name_plural = "星级评定"
        ordering = ["org", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org"], name="star_rating_unique"),
            models.CheckConstraint(condition=Q(expires_on__gt=F("valid_from")), name="star_rating_expiry_after_start"),
            models.CheckConstraint(condition=Q(status="valid") | ~Q(changed_reason=""),
                                   name="star_rating_change_needs_reason"),
        ]

    def __str__(self):
        return f"{self.org} · {self.label}"

    @property
    def valid_until(self) -> datetime.date:
        """The last day on which the rating is valid."""
        return self.expires_on - datetime.timedelta(days=1)

    def is_current_on(self, day: datetime.date) -> bool:
        return self.status != StarStatus.REVOKED and self.valid_from <= day < self.expires_on

    def state_on(self, day: datetime.date) -> str:
        if self.status == StarStatus.REVOKED:
            return "已撤销"
        if day >= self.expires_on:
            return "已过期"
        if day < self.valid_from:
            return "未生效"
        return "有效（已降级）" if self.status == StarStatus.LOWERED else "有效"


__all__ = ["Tier", "RectificationPlan", "ItemStatus", "RectificationItem", "RectificationProgress", "StarStatus", "StarRating"]
