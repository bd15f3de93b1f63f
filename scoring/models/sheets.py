"""Score sheets (自评 and 上级评定) and the grades computed from them."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from branches.models import Org
from campaigns.models import Campaign, Criterion, Indicator


class SheetKind(models.TextChoices):
    SELF = "self", "自评"
    REVIEW = "review", "上级评定"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回修改"


class SheetSource(models.TextChoices):
    ONLINE = "online", "网上填报"
    OFFLINE = "offline", "线下录入"


class SheetLevel(models.TextChoices):
    CRITERION = "criterion", "按细则评分"
    INDICATOR = "indicator", "按指标评分"


class ScoreSheet(models.Model):
    """One org's scoring against its rubric in one campaign: the self-evaluation or the committee review.

    `total` is the sum of the entries (online) or the total entered from paper (offline import)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sheets")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="sheets")
    kind = models.CharField("类别", max_length=8, choices=SheetKind.choices)
    status = models.CharField("状态", max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    source = models.CharField("来源", max_length=8, choices=SheetSource.choices, default=SheetSource.ONLINE)
    total = models.DecimalField("得分", max_digits=4, decimal_places=1, null=True, blank=True)
    # The review may be entered per criterion or per indicator (a toggle per sheet); the self-evaluation is always
    # per criterion.
    level = models.CharField("评分粒度", max_length=10, choices=SheetLevel.choices, default=SheetLevel.CRITERION)
    return_reason = models.TextField("退回理由", blank=True)
    opinion = models.TextField("评定意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "评分表"
        verbose_name_plural = "评分表"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org", "kind"], name="sheet_unique"),
            models.CheckConstraint(condition=Q(total__isnull=True) | (Q(total__gte=0) & Q(total__lte=100)),
                                   name="sheet_total_range"),
        ]

    def __str__(self):
        return f"{self.org} · {self.get_kind_display()}"


class SheetScore(models.Model):
    """A score for one criterion, or for a whole indicator when reviewing at indicator level (criterion empty)."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(Criterion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分", max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], condition=Q(criterion__isnull=False),
                                    name="sheet_score_criterion_unique"),
            models.UniqueConstraint(fields=["sheet", "indicator"], condition=Q(criterion__isnull=True),
                                    name="sheet_score_indicator_unique"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="sheet_score_range"),
        ]

    def __str__(self):
        return f"{self.score}"

class SheetNote(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="notes")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "indicator"], name="sheet_note_unique")]

    def __str__(self):
        return self.note[:40]

class OfflineVotes(models.Model):
    """Survey votes entered from paper through the offline score import (import_scores). Grading adds them to
    the online and double-entered paper tallies of surveys.selectors.vote_counts."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="offline_votes")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="offline_votes")
    satisfied = models.PositiveIntegerField("满意票")
    basic = models.PositiveIntegerField("基本满意票")
    unsatisfied = models.PositiveIntegerField("不满意票")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "线下测评票数"
        verbose_name_plural = "线下测评票数"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="offline_votes_unique")]

    def __str__(self):
        return f"{self.org} · {self.satisfied}/{self.basic}/{self.unsatisfied}"


class Grade(models.Model):
    """The computed (and possibly overridden) grade of one 定级对象 in one campaign, with its explanation."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="grades")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="grades")
    self_score = models.DecimalField("自评得分", max_digits=4, decimal_places=1, null=True, blank=True)
    votes_satisfied = models.PositiveIntegerField("满意票", null=True, blank=True)
    votes_basic = models.PositiveIntegerField("基本满意票", null=True, blank=True)
    votes_unsatisfied = models.PositiveIntegerField("不满意票", null=True, blank=True)
    review_score = models.DecimalField("评定得分", max_digits=4, decimal_places=1, null=True, blank=True)
    total = models.DecimalField("综合得分", max_digits=4, decimal_places=1, null=True, blank=True)
    computed_label = models.CharField("计算等次", max_length=20, blank=True)
    override_label = models.CharField("调整后等次", max_length=20, blank=True)
    override_reason = models.TextField("调整理由", blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField("说明", blank=True)
    # Set when an upheld objection (公示异议) reopens this org's review during 公示; cleared when it is re-graded.
    reopened = models.BooleanField("重新评定中", default=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "等次"
        verbose_name_plural = "定级结果"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org"], name="grade_unique"),
            models.CheckConstraint(condition=Q(override_label="") | ~Q(override_reason=""),
                                   name="grade_override_needs_reason"),
            models.CheckConstraint(condition=Q(total__isnull=True) | (Q(total__gte=0) & Q(total__lte=100)),
                                   name="grade_total_range"),
        ]

    def __str__(self):
        return f"{self.org} · {self.final_label or '未定级'}"

    @property
    def final_label(self):
        return self.override_label or self.computed_label

__all__ = ['SheetKind', 'SheetStatus', 'SheetSource', 'SheetLevel', 'OfflineVotes', 'ScoreSheet', 'SheetScore', 'SheetNote', 'Grade']
