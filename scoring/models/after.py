"""调查摸底, 公示 and objections, 整改 and acceptance, star ratings.

Dates here are calendar days in Asia/Shanghai (the project's TIME_ZONE): a 公示 window is open from `starts_on`
00:00 to `ends_on` 23:59:59 local time; a star rating is valid from `valid_from` up to the day before
`expires_on` (on `expires_on` itself it is expired).
"""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from branches.models import Org

from .core import Campaign

# The six points of the 调查摸底 checklist (SPEC §5), in the order of the 调查摸底与分类定级表.
INVESTIGATION_CHECKS = [
    ("setup", "组织设置是否合理"),
    ("leadership", "领导班子是否健全"),
    ("rules", "组织制度是否完善"),
    ("activities", "活动开展是否正常"),
    ("support", "经费场所保障是否落实"),
    ("role", "作用发挥是否充分"),
]

OBJECTION_MAX_CHARS = 1000


class Investigation(models.Model):
    """调查摸底 of one 定级对象 in one campaign: the six-point checklist (each 是/否 with a note) and a summary."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="investigations")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="investigations")
    setup_ok = models.BooleanField("组织设置是否合理")
    setup_note = models.CharField("组织设置是否合理（说明）", max_length=500, blank=True)
    leadership_ok = models.BooleanField("领导班子是否健全")
    leadership_note = models.CharField("领导班子是否健全（说明）", max_length=500, blank=True)
    rules_ok = models.BooleanField("组织制度是否完善")
    rules_note = models.CharField("组织制度是否完善（说明）", max_length=500, blank=True)
    activities_ok = models.BooleanField("活动开展是否正常")
    activities_note = models.CharField("活动开展是否正常（说明）", max_length=500, blank=True)
    support_ok = models.BooleanField("经费场所保障是否落实")
    support_note = models.CharField("经费场所保障是否落实（说明）", max_length=500, blank=True)
    role_ok = models.BooleanField("作用发挥是否充分")
    role_note = models.CharField("作用发挥是否充分（说明）", max_length=500, blank=True)
    summary = models.TextField("主要问题及情况说明", blank=True)
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="填写人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "调查摸底"
        verbose_name_plural = "调查摸底"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="investigation_unique")]

    def __str__(self):
        return f"{self.org} · 调查摸底"

    @property
    def checks(self):
        """[(label, ok, note)] in checklist order."""
        return [(label, getattr(self, f"{key}_ok"), getattr(self, f"{key}_note")) for key, label in INVESTIGATION_CHECKS]

    @property
    def failed_count(self):
        return sum(1 for _, ok, _ in self.checks if not ok)


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
        verbose_name = "公示"
        verbose_name_plural = "公示"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="publicity_window_order"),
        ]

    def __str__(self):
        return f"{self.campaign} · 公示 {self.starts_on}—{self.ends_on}"

    def is_open_on(self, day: datetime.date) -> bool:
        return self.finalised_at is None and self.starts_on <= day <= self.ends_on

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
        verbose_name = "整改进展"
        verbose_name_plural = "整改进展"
        ordering = ["reported_at", "id"]


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


__all__ = [
    "INVESTIGATION_CHECKS", "OBJECTION_MAX_CHARS", "Investigation", "Publicity", "PublishedResult",
    "ObjectionStatus", "Objection", "Tier", "RectificationPlan", "ItemStatus", "RectificationItem",
    "RectificationProgress", "StarStatus", "StarRating",
]
