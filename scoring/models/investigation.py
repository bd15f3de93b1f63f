"""调查摸底, 公示 and objections, 整改 and acceptance, star ratings.

Dates here are calendar days in Asia/Shanghai (the project's TIME_ZONE): a 公示 window is open from `starts_on`
00:00 to `ends_on` 23:59:59 local time; a star rating is valid from `valid_from` up to the day before
`expires_on` (on `expires_on` itself it is expired).
"""

from django.conf import settings
from django.db import models

from branches.models import Org
from campaigns.models import Campaign

# The six points of the 调查摸底 checklist (SPEC §5), in the order of the 调查摸底与分类定级表.
INVESTIGATION_CHECKS = [
    ("setup", "组织设置是否合理"),
    ("leadership", "领导班子是否健全"),
    ("rules", "组织制度是否完善"),
    ("activities", "活动开展是否正常"),
    ("support", "经费场所保障是否落实"),
    ("role", "作用发挥是否充分"),
]

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


__all__ = ["INVESTIGATION_CHECKS", "Investigation"]
