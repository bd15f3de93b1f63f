"""Grade scales, rubrics, campaigns and their phases."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.lookups import GreaterThan, LessThan

from branches.models import Org, Sector
from campaigns.gates import effective_floor_gate

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class GradeScale(models.Model):
    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    gates_apply = models.BooleanField("适用满意率门槛", default=True,
                                      help_text="四档、三档适用；星级默认不适用。")
    valid_years = models.PositiveSmallIntegerField("有效期（年）", null=True, blank=True,
                                                   help_text="星级评定有效期，其他等次留空。")

    class Meta:
        db_table = "scoring_gradescale"  # the table kept its name when the model left scoring
        verbose_name = "等次标准"
        verbose_name_plural = "等次标准"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class GradeBand(models.Model):
    """One band of a scale; a score T takes the highest band whose minimum ≤ T (lower bound inclusive)."""

    scale = models.ForeignKey(GradeScale, on_delete=models.CASCADE, related_name="bands", verbose_name="等次标准")
    label = models.CharField("等次", max_length=20)
    min_score = models.DecimalField("最低分", max_digits=4, decimal_places=1,
                                    validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)])

    class Meta:
        db_table = "scoring_gradeband"  # the table kept its name when the model left scoring
        verbose_name = "等次"
        verbose_name_plural = "等次"
        ordering = ["scale", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "label"], name="band_label_unique"),
            models.UniqueConstraint(fields=["scale", "min_score"], name="band_min_unique"),
            models.CheckConstraint(condition=Q(min_score__gte=0) & Q(min_score__lte=100), name="band_min_range"),
        ]

    def __str__(self):
        return f"{self.label} ≥ {self.min_score}"


class RubricVersion(models.Model):
    """评分参考标准 of one sector. Frozen once a campaign uses it: changes then make a new version."""

    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="rubrics", verbose_name="领域")
    name = models.CharField("版本名称", max_length=100)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="复制自")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "scoring_rubricversion"  # the table kept its name when the model left scoring
        verbose_name = "评分标准版本"
        verbose_name_plural = "评分标准版本"
        ordering = ["sector__order", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["sector", "name"], name="rubric_name_unique_per_sector")]

    def __str__(self):
        return f"{self.sector.name} · {self.name}"

    @property
    def is_frozen(self):
        return self.campaign_sectors.exists()


class Indicator(models.Model):
    rubric = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("指标", max_length=100)
    max_score = models.DecimalField("指标分值", max_digits=4, decimal_places=1)

    class Meta:
        db_table = "scoring_indicator"  # the table kept its name when the model left scoring
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="indicator_position_unique"),
            models.UniqueConstraint(fields=["rubric", "name"], name="indicator_name_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0) & Q(max_score__lte=100), name="indicator_max_range"),
        ]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField("序号")
    text = models.CharField("细则", max_length=500)
    max_score = models.DecimalField("细则分值", max_digits=4, decimal_places=1)
    guidance = models.TextField("评分说明", blank=True)

    class Meta:
        db_table = "scoring_criterion"  # the table kept its name when the model left scoring
        verbose_name = "细则"
        verbose_name_plural = "细则"
        ordering = ["indicator", "position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "position"], name="criterion_position_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0) & Q(max_score__lte=100), name="criterion_max_range"),
        ]

    def __str__(self):
        return self.text


class Phase(models.IntegerChoices):
    MOBILISE = 1, "动员部署"
    INVESTIGATE = 2, "调查摸底"
    SELF = 3, "自评"
    SURVEY = 4, "党员群众测评"
    REVIEW = 5, "上级评定"
    PUBLICITY = 6, "公示"
    REPORT = 7, "汇总上报"
    RECTIFY = 8, "整改提升"
    ACCEPT = 9, "检查验收"


slug_validator = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "只能包含字母、数字、连字符和下划线。")


def _weight_field(name, default):
    return models.DecimalField(name, max_digits=4, decimal_places=3, default=Decimal(default),
                               validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))])


def _gate_field(name, default):
    return models.DecimalField(name, max_digits=4, decimal_places=3, default=Decimal(default),
                               validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))])


class Campaign(models.Model):
    """分类定级工作: one year's grading over the subtree of `root` (the root itself is never graded)."""

    slug = models.CharField("代码", max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    root = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="campaigns", verbose_name="组织范围（牵头党组织）")
    weight_self = _weight_field("自评权重", "0.2")
    weight_survey = _weight_field("测评权重", "0.3")
    weight_review = _weight_field("评定权重", "0.5")
    top_gate = _gate_field("评为最高等次的满意率门槛", "0.900")
    floor_gate = _gate_field("直接定为末等的满意率下限", "0.500")
    deviation_threshold = models.DecimalField("自评偏差提示阈值（分）", max_digits=4, decimal_places=1,
                                              default=Decimal("15"))
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=2, validators=[MinValueValidator(1)])
    min_responses = models.PositiveSmallIntegerField("最少测评人数", default=5,
                                                     help_text="测评人数（线上、纸质、离线导入合计）低于此数不定级；0 = 不限。")
    masses_per_org = models.PositiveIntegerField("每个党组织应参评群众代表数", default=0,
                                                 help_text="应参评人数 = 党员人数 + 此数，可逐个党组织调整。")
    vote_share = models.DecimalField(
        "等次投票当选比例", max_digits=4, decimal_places=3, default=Decimal("0.500"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1"))],
        help_text="自最高等次起累计得票达到有效票的此比例即定为该等次（恰好达到即可）。")
    institution_turnout = models.DecimalField(
        "机关事业单位参评率要求", max_digits=4, decimal_places=3, null=True, blank=True, default=Decimal("0.900"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
        help_text="机关事业单位参评率低于此值时在进度总览中提示；留空 = 不要求。")
    phase = models.PositiveSmallIntegerField("当前阶段", choices=Phase.choices, default=Phase.MOBILISE)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_rounds",
                                 verbose_name="上一轮")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="创建人")

    class Meta:
        db_table = "scoring_campaign"  # the table kept its name when the model left scoring
        verbose_name = "分类定级工作"
        verbose_name_plural = "分类定级工作"
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_self__gte=0) & Q(weight_survey__gte=0) & Q(weight_review__gte=0),
                name="campaign_weights_nonnegative",
            ),
            # The exact check (Decimal sum == 1) is in the service; this keeps the database from holding nonsense
            # while tolerating SQLite's floating-point sum.
            models.CheckConstraint(
                condition=GreaterThan(F("weight_self") + F("weight_survey") + F("weight_review"), Value(0.9995))
                & LessThan(F("weight_self") + F("weight_survey") + F("weight_review"), Value(1.0005)),
                name="campaign_weights_sum_to_one",
            ),
            models.CheckConstraint(condition=Q(top_gate__gte=0) & Q(top_gate__lte=1), name="campaign_top_gate_range"),
            models.CheckConstraint(condition=Q(floor_gate__gte=0) & Q(floor_gate__lte=1),
                                   name="campaign_floor_gate_range"),
            models.CheckConstraint(condition=Q(phase__gte=1) & Q(phase__lte=9), name="campaign_phase_range"),
            models.CheckConstraint(
                condition=Q(institution_turnout__isnull=True)
                | (Q(institution_turnout__gte=0) & Q(institution_turnout__lte=1)),
                name="campaign_institution_turnout_range"),
            models.CheckConstraint(condition=Q(vote_share__gt=0) & Q(vote_share__lte=1), name="campaign_vote_share_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def phase_label(self):
        return Phase(self.phase).label

    def is_open(self, phase: int) -> bool:
        return self.phase == phase

    @property
    def weights(self):
        return (self.weight_self, self.weight_survey, self.weight_review)


class SurveyMode(models.TextChoices):
    """What a sector's survey asks (issue 17, the grade vote): satisfaction only, a grade of the scale instead of
    it, or both (the computed grade is then the lower one)."""

    SATISFACTION = "satisfaction", "满意度测评"
    INSTEAD = "instead", "等次投票（代替满意度测评）"
    BESIDE = "beside", "满意度测评 + 等次投票（取较低者）"


class CampaignSector(models.Model):
    """A sector taking part in a campaign, with its rubric, its grade scale and (optionally) its own floor gate."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sectors")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+", verbose_name="领域")
    rubric = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="campaign_sectors",
                               verbose_name="评分标准")
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+", verbose_name="等次标准")
    floor_gate = models.DecimalField("直接定为末等的满意率下限", max_digits=4, decimal_places=3, null=True,
                                     blank=True)
    survey_mode = models.CharField("测评方式", max_length=12, choices=SurveyMode.choices,
                                   default=SurveyMode.SATISFACTION)

    class Meta:
        db_table = "scoring_campaignsector"  # the table kept its name when the model left scoring
        verbose_name = "参评领域"
        verbose_name_plural = "参评领域"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sector"], name="campaign_sector_unique"),
            models.CheckConstraint(condition=Q(floor_gate__isnull=True) | (Q(floor_gate__gte=0) & Q(floor_gate__lte=1)),
                                   name="campaign_sector_floor_range"),
            models.CheckConstraint(condition=Q(survey_mode__in=["satisfaction", "instead", "beside"]),
                                   name="campaign_sector_survey_mode_valid"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.sector}"

    def effective_floor_gate(self):
        """The floor gate the engine applies to this sector (campaigns.gates: own, else the sector's default, else
        the campaign's)."""
        return effective_floor_gate(own=self.floor_gate, sector_default=self.sector.default_floor_gate,
                                    campaign=self.campaign.floor_gate)


class PhaseDate(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phase_dates")
    phase = models.PositiveSmallIntegerField("阶段", choices=Phase.choices)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        db_table = "scoring_phasedate"  # the table kept its name when the model left scoring
        verbose_name = "阶段日期"
        verbose_name_plural = "阶段日期"
        ordering = ["campaign", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phase"], name="phase_date_unique"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="phase_date_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_phase_display()} {self.starts_on or ''}–{self.ends_on or ''}"

class Participation(models.Model):
    """Who is expected to take part in an org's survey (应参评人数), when it differs from the default: the org's
    党员人数 plus the campaign's 群众代表 number (campaigns.selectors.expected_participants)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participations")
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+", verbose_name="党组织")
    members = models.PositiveIntegerField("应参评党员数")
    masses = models.PositiveIntegerField("应参评群众代表数")

    class Meta:
        verbose_name = "应参评人数"
        verbose_name_plural = "应参评人数"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="participation_unique")]

    def __str__(self):
        return f"{self.org} · {self.expected}"

    @property
    def expected(self) -> int:
        return self.members + self.masses


__all__ = ['GradeScale', 'GradeBand', 'RubricVersion', 'Indicator', 'Criterion', 'Phase', 'Campaign', 'CampaignSector', 'PhaseDate', 'Participation', 'SurveyMode']
