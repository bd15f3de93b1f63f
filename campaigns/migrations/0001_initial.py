"""The campaign, rubric and scale models left `scoring` with their tables (db_table keeps the old names):
state only, nothing in the database changes. scoring/0003 then drops them from scoring's state and relabels their
content types and the audit entries that name them."""
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('scoring', '0002_seed_scales_and_rubrics'),
        ('branches', '0002_seed_sectors'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='GradeScale',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=32, unique=True, verbose_name='代码')),
                    ('name', models.CharField(max_length=100, verbose_name='名称')),
                    ('gates_apply', models.BooleanField(default=True, help_text='四档、三档适用；星级默认不适用。', verbose_name='适用满意率门槛')),
                    ('valid_years', models.PositiveSmallIntegerField(blank=True, help_text='星级评定有效期，其他等次留空。', null=True, verbose_name='有效期（年）')),
                ],
                options={
                    'verbose_name': '等次标准',
                    'verbose_name_plural': '等次标准',
                    'db_table': 'scoring_gradescale',
                    'ordering': ['code'],
                },
            ),
            migrations.CreateModel(
                name='Indicator',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(verbose_name='序号')),
                    ('name', models.CharField(max_length=100, verbose_name='指标')),
                    ('max_score', models.DecimalField(decimal_places=1, max_digits=4, verbose_name='指标分值')),
                ],
                options={
                    'verbose_name': '指标',
                    'verbose_name_plural': '指标',
                    'db_table': 'scoring_indicator',
                    'ordering': ['rubric', 'position'],
                },
            ),
            migrations.CreateModel(
                name='Campaign',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('slug', models.CharField(max_length=64, unique=True, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9][A-Za-z0-9_-]*$', '只能包含字母、数字、连字符和下划线。')], verbose_name='代码')),
                    ('name', models.CharField(max_length=200, verbose_name='名称')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('weight_self', models.DecimalField(decimal_places=3, default=Decimal('0.2'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='自评权重')),
                    ('weight_survey', models.DecimalField(decimal_places=3, default=Decimal('0.3'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='测评权重')),
                    ('weight_review', models.DecimalField(decimal_places=3, default=Decimal('0.5'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='评定权重')),
                    ('top_gate', models.DecimalField(decimal_places=3, default=Decimal('0.900'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='评为最高等次的满意率门槛')),
                    ('floor_gate', models.DecimalField(decimal_places=3, default=Decimal('0.500'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='直接定为末等的满意率下限')),
                    ('deviation_threshold', models.DecimalField(decimal_places=1, default=Decimal('15'), max_digits=4, verbose_name='自评偏差提示阈值（分）')),
                    ('publicity_days', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(1)], verbose_name='公示天数')),
                    ('phase', models.PositiveSmallIntegerField(choices=[(1, '动员部署'), (2, '调查摸底'), (3, '自评'), (4, '党员群众测评'), (5, '上级评定'), (6, '公示'), (7, '汇总上报'), (8, '整改提升'), (9, '检查验收')], default=1, verbose_name='当前阶段')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                    ('previous', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='next_rounds', to='campaigns.campaign', verbose_name='上一轮')),
                    ('root', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='branches.org', verbose_name='组织范围（牵头党组织）')),
                ],
                options={
                    'verbose_name': '分类定级工作',
                    'verbose_name_plural': '分类定级工作',
                    'db_table': 'scoring_campaign',
                    'ordering': ['-year', '-created_at'],
                },
            ),
            migrations.CreateModel(
                name='GradeBand',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('label', models.CharField(max_length=20, verbose_name='等次')),
                    ('min_score', models.DecimalField(decimal_places=1, max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='最低分')),
                    ('scale', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bands', to='campaigns.gradescale', verbose_name='等次标准')),
                ],
                options={
                    'verbose_name': '等次',
                    'verbose_name_plural': '等次',
                    'db_table': 'scoring_gradeband',
                    'ordering': ['scale', '-min_score'],
                },
            ),
            migrations.CreateModel(
                name='Criterion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(verbose_name='序号')),
                    ('text', models.CharField(max_length=500, verbose_name='细则')),
                    ('max_score', models.DecimalField(decimal_places=1, max_digits=4, verbose_name='细则分值')),
                    ('guidance', models.TextField(blank=True, verbose_name='评分说明')),
                    ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='campaigns.indicator')),
                ],
                options={
                    'verbose_name': '细则',
                    'verbose_name_plural': '细则',
                    'db_table': 'scoring_criterion',
                    'ordering': ['indicator', 'position'],
                },
            ),
            migrations.CreateModel(
                name='PhaseDate',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('phase', models.PositiveSmallIntegerField(choices=[(1, '动员部署'), (2, '调查摸底'), (3, '自评'), (4, '党员群众测评'), (5, '上级评定'), (6, '公示'), (7, '汇总上报'), (8, '整改提升'), (9, '检查验收')], verbose_name='阶段')),
                    ('starts_on', models.DateField(blank=True, null=True, verbose_name='开始日期')),
                    ('ends_on', models.DateField(blank=True, null=True, verbose_name='结束日期')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='phase_dates', to='campaigns.campaign')),
                ],
                options={
                    'verbose_name': '阶段日期',
                    'verbose_name_plural': '阶段日期',
                    'db_table': 'scoring_phasedate',
                    'ordering': ['campaign', 'phase'],
                },
            ),
            migrations.CreateModel(
                name='RubricVersion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='版本名称')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('based_on', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaigns.rubricversion', verbose_name='复制自')),
                    ('sector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rubrics', to='branches.sector', verbose_name='领域')),
                ],
                options={
                    'verbose_name': '评分标准版本',
                    'verbose_name_plural': '评分标准版本',
                    'db_table': 'scoring_rubricversion',
                    'ordering': ['sector__order', '-created_at'],
                },
            ),
            migrations.AddField(
                model_name='indicator',
                name='rubric',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='campaigns.rubricversion'),
            ),
            migrations.CreateModel(
                name='CampaignSector',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('floor_gate', models.DecimalField(blank=True, decimal_places=3, max_digits=4, null=True, verbose_name='直接定为末等的满意率下限')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sectors', to='campaigns.campaign')),
                    ('sector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='branches.sector', verbose_name='领域')),
                    ('scale', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.gradescale', verbose_name='等次标准')),
                    ('rubric', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaign_sectors', to='campaigns.rubricversion', verbose_name='评分标准')),
                ],
                options={
                    'verbose_name': '参评领域',
                    'verbose_name_plural': '参评领域',
                    'db_table': 'scoring_campaignsector',
                },
            ),
            migrations.AddConstraint(
                model_name='campaign',
                constraint=models.CheckConstraint(condition=models.Q(('weight_self__gte', 0), ('weight_survey__gte', 0), ('weight_review__gte', 0)), name='campaign_weights_nonnegative'),
            ),
            migrations.AddConstraint(
                model_name='campaign',
                constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.GreaterThan(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('weight_self'), '+', models.F('weight_survey')), '+', models.F('weight_review')), models.Value(0.9995)), django.db.models.lookups.LessThan(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('weight_self'), '+', models.F('weight_survey')), '+', models.F('weight_review')), models.Value(1.0005))), name='campaign_weights_sum_to_one'),
            ),
            migrations.AddConstraint(
                model_name='campaign',
                constraint=models.CheckConstraint(condition=models.Q(('top_gate__gte', 0), ('top_gate__lte', 1)), name='campaign_top_gate_range'),
            ),
            migrations.AddConstraint(
                model_name='campaign',
                constraint=models.CheckConstraint(condition=models.Q(('floor_gate__gte', 0), ('floor_gate__lte', 1)), name='campaign_floor_gate_range'),
            ),
            migrations.AddConstraint(
                model_name='campaign',
                constraint=models.CheckConstraint(condition=models.Q(('phase__gte', 1), ('phase__lte', 9)), name='campaign_phase_range'),
            ),
            migrations.AddConstraint(
                model_name='gradeband',
                constraint=models.UniqueConstraint(fields=('scale', 'label'), name='band_label_unique'),
            ),
            migrations.AddConstraint(
                model_name='gradeband',
                constraint=models.UniqueConstraint(fields=('scale', 'min_score'), name='band_min_unique'),
            ),
            migrations.AddConstraint(
                model_name='gradeband',
                constraint=models.CheckConstraint(condition=models.Q(('min_score__gte', 0), ('min_score__lte', 100)), name='band_min_range'),
            ),
            migrations.AddConstraint(
                model_name='criterion',
                constraint=models.UniqueConstraint(fields=('indicator', 'position'), name='criterion_position_unique'),
            ),
            migrations.AddConstraint(
                model_name='criterion',
                constraint=models.CheckConstraint(condition=models.Q(('max_score__gt', 0), ('max_score__lte', 100)), name='criterion_max_range'),
            ),
            migrations.AddConstraint(
                model_name='phasedate',
                constraint=models.UniqueConstraint(fields=('campaign', 'phase'), name='phase_date_unique'),
            ),
            migrations.AddConstraint(
                model_name='phasedate',
                constraint=models.CheckConstraint(condition=models.Q(('starts_on__isnull', True), ('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='phase_date_order'),
            ),
            migrations.AddConstraint(
                model_name='rubricversion',
                constraint=models.UniqueConstraint(fields=('sector', 'name'), name='rubric_name_unique_per_sector'),
            ),
            migrations.AddConstraint(
                model_name='indicator',
                constraint=models.UniqueConstraint(fields=('rubric', 'position'), name='indicator_position_unique'),
            ),
            migrations.AddConstraint(
                model_name='indicator',
                constraint=models.UniqueConstraint(fields=('rubric', 'name'), name='indicator_name_unique'),
            ),
            migrations.AddConstraint(
                model_name='indicator',
                constraint=models.CheckConstraint(condition=models.Q(('max_score__gt', 0), ('max_score__lte', 100)), name='indicator_max_range'),
            ),
            migrations.AddConstraint(
                model_name='campaignsector',
                constraint=models.UniqueConstraint(fields=('campaign', 'sector'), name='campaign_sector_unique'),
            ),
            migrations.AddConstraint(
                model_name='campaignsector',
                constraint=models.CheckConstraint(condition=models.Q(('floor_gate__isnull', True), models.Q(('floor_gate__gte', 0), ('floor_gate__lte', 1)), _connector='OR'), name='campaign_sector_floor_range'),
            ),
        ], database_operations=[]),
    ]
