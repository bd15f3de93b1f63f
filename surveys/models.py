"""Anonymous survey (无记名测评): single-use tokens, responses that cannot be linked to them, paper tallies.

Anonymity is structural: a SurveyResponse holds the campaign, the org, the answers and the day — no token, no user,
no IP, no session, no time of day, and a random UUID key instead of a sequential id (docs/anonymity.md).
A SurveyToken keeps only a digest of its code under a random key; answering deletes it, and the answer waits in
StagedResponse until surveys.mixer moves it, with at least 19 others, into SurveyResponse.
"""
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from branches.models import Org
from campaigns.models import Campaign


class Answer(models.IntegerChoices):
    SATISFIED = 1, "满意"
    BASIC = 2, "基本满意"
    UNSATISFIED = 3, "不满意"


class DefaultCategory(models.TextChoices):
    """The respondent categories every new campaign starts with (SPEC §5); a campaign edits its own
    (RespondentCategory)."""

    MEMBER = "member", "党员"
    MASSES = "masses", "群众代表"
    SERVED = "served", "服务对象"


class RespondentCategory(models.Model):
    """A respondent category (身份) of one campaign's survey: the form, the paper tally and the 测评统计表 list them
    in `order`. Answers and paper counts name a category by its `key` (stable when the name changes)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="respondent_categories")
    key = models.CharField("代码", max_length=8)
    name = models.CharField("身份", max_length=20)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "测评对象身份"
        verbose_name_plural = "测评对象身份"
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="respondent_category_key_unique"),
            models.UniqueConstraint(fields=["campaign", "name"], name="respondent_category_name_unique"),
            models.CheckConstraint(condition=~Q(key="") & ~Q(key="overall"), name="respondent_category_key_valid"),
        ]

    def __str__(self):
        return self.name


def random_token_id() -> int:
    """A random positive 63-bit key: token ids say nothing about issue order or the slip's place in the CSV."""
    return secrets.randbits(63) or 1


class SurveyToken(models.Model):
    """An unused single-use survey link. Answering DELETEs it (surveys.db), so a token row never records whether,
    when or with which answer it was used; a replayed code is simply unknown.

    The code itself is not stored: `digest` is its SHA-256, so a database dump cannot be used to answer with the
    unused codes (surveys.tokens.digest)."""

    id = models.BigIntegerField(primary_key=True, default=random_token_id, editable=False)
    digest = models.CharField("测评码摘要", max_length=64)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="survey_tokens",
                                 db_index=False)  # the (campaign, org) index serves it
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="survey_tokens")

    class Meta:
        verbose_name = "测评码"
        verbose_name_plural = "测评码"
        # The digest's uniqueness as a constraint: one index (unique=True on a CharField makes a second,
        # varchar_pattern_ops one on PostgreSQL, for LIKE queries never made here).
        indexes = [models.Index(fields=["campaign", "org"], name="surveytoken_campaign_org")]
        constraints = [models.UniqueConstraint(fields=["digest"], name="surveytoken_digest_unique")]

    def __str__(self):
        return f"{self.org} · 未使用"


class CodesIssued(models.Model):
    """How many codes were ever issued to an org in a campaign (the token rows go away as codes are used, and all
    of them when the survey closes): the denominator of the response rate. A count, nothing per code."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField("已发放", default=0)

    class Meta:
        verbose_name = "测评码发放数"
        verbose_name_plural = "测评码发放数"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="codesissued_unique")]

    def __str__(self):
        return f"{self.org} · {self.count}"


class GuessBlockQuerySet(models.QuerySet):
    def current(self):
        """The blocks still in force."""
        return self.filter(until__gt=timezone.now())


class GuessBlock(models.Model):
    """A client over its limit of unknown-code lookups (surveys/guard.py), refused until `until`. The client is a
    keyed hash of its address (HMAC with SECRET_KEY), not the address; a row links to nothing and is deleted once
    expired. In the database rather than the cache so that the survey's answer statement checks it in the same
    round trip (services.answer_by_code)."""

    client = models.CharField("客户端摘要", max_length=64, primary_key=True)
    until = models.DateTimeField("限制至")

    objects = GuessBlockQuerySet.as_manager()

    class Meta:
        verbose_name = "测评码猜测限制"
        verbose_name_plural = "测评码猜测限制"

    def __str__(self):
        return "测评码试探限制"

class SurveyResponse(models.Model):
    """One anonymous answer sheet. Fields are checked by tests/surveys/test_anonymity.py: nothing here may link an
    answer to a token, a person, a client, or a time finer than the day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="survey_responses")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="survey_responses")
    day = models.DateField("日期")
    # None when the sector's survey asks for a grade instead of satisfaction (CampaignSector.survey_mode).
    overall = models.PositiveSmallIntegerField("总体评价", choices=Answer.choices, null=True, blank=True)
    # The key of one of the campaign's RespondentCategory rows, "" when not given. A key, not a foreign key: the
    # answer statement (surveys/db.py) writes it as it came, and nothing about it orders or dates the answer.
    category = models.CharField("身份", max_length=8, blank=True)
    # {"<indicator id>": 1|2|3} for the indicators the respondent chose to answer. JSON on the row on purpose: a
    # child table with serial ids would record the order of the answers.
    indicator_answers = models.JSONField("分项评价", default=dict, blank=True)
    suggestions = models.TextField("意见建议", blank=True, max_length=500)
    # The band label the respondent voted for (the grade vote), "" when the survey asks none. The database default
    # lets an INSERT that names no grade vote (surveys/db.py) store "".
    grade_vote = models.CharField("等次投票", max_length=20, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "测评答卷"
        verbose_name_plural = "测评答卷"
        indexes = [models.Index(fields=["campaign", "org"])]
        constraints = [
            models.CheckConstraint(condition=Q(overall__isnull=True) | Q(overall__in=[1, 2, 3]),
                                   name="response_overall_valid"),
            models.CheckConstraint(condition=Q(overall__isnull=False) | ~Q(grade_vote=""),
                                   name="response_answers_something"),
        ]

    def __str__(self):
        return "无记名测评答卷"  # nothing that could tell one answer from another

class StagedResponse(models.Model):
    """An answer waiting for the mixer (surveys/mixer.py): the answer transaction deletes the token and inserts
    this row; the mixer moves staged rows into SurveyResponse in batches of at least MIX_BATCH, in random order,
    one transaction each, and all of them when the survey phase ends. Same answer columns as SurveyResponse,
    nothing more: no link to the token, no time finer than the day (tests/surveys/test_anonymity.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    overall = models.PositiveSmallIntegerField("总体评价", choices=Answer.choices, null=True, blank=True)
    category = models.CharField("身份", max_length=8, blank=True)
    indicator_answers = models.JSONField("分项评价", default=dict, blank=True)
    suggestions = models.TextField("意见建议", blank=True, max_length=500)
    grade_vote = models.CharField("等次投票", max_length=20, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "待混排答卷"
        verbose_name_plural = "待混排答卷"
        indexes = [models.Index(fields=["campaign"], name="stagedresponse_campaign")]

    def __str__(self):
        return "待混排的无记名测评答卷"


PAPER_CATEGORIES = tuple(DefaultCategory.values)  # the default categories' keys (a campaign may have others)


class PaperEntry(models.Model):
    """One staff member's entry of the paper ballot counts (纸质测评票) for an org. A tally counts only when two
    different staff members have entered exactly the same numbers (double entry); at most two entries per org.

    `counts` is normalised by surveys.services.normalise_paper_counts:
    {"overall": [满意, 基本满意, 不满意], "<category key>": [...], ...} where a key of the campaign's
    RespondentCategory rows is present only when its counts were entered."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="paper_entries")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="paper_entries")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="录入人")
    entered_at = models.DateTimeField("录入时间", auto_now=True)
    counts = models.JSONField("票数")

    class Meta:
        verbose_name = "纸质测评票录入"
        verbose_name_plural = "纸质测评票录入"
        ordering = ["campaign", "org", "entered_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "org", "entered_by"], name="paper_entry_unique")]

    def __str__(self):
        return f"{self.org} · {self.entered_by}"
