"""整改 and star ratings left `scoring` with their tables (db_table keeps the old names): state only."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('scoring', '0002_seed_scales_and_rubrics'),
        ('branches', '0002_seed_sectors'),
        ('campaigns', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='RectificationPlan',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('label', models.CharField(max_length=20, verbose_name='定级等次')),
                    ('tier', models.CharField(choices=[('top', '最高等次（经验推广）'), ('middle', '中间等次'), ('general', '一般（联系领导）'), ('bottom', '末等（亮黄牌）')], max_length=8, verbose_name='类别')),
                    ('share_experience', models.BooleanField(default=False, verbose_name='经验推广')),
                    ('yellow_card', models.BooleanField(default=False, verbose_name='亮黄牌')),
                    ('yellow_card_deadline', models.DateField(blank=True, null=True, verbose_name='黄牌整改期限')),
                    ('contact_leader', models.CharField(blank=True, max_length=100, verbose_name='联系领导')),
                    ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='方案报送时间')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rectification_plans', to='campaigns.campaign')),
                    ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rectification_plans', to='branches.org')),
                    ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报送人')),
                ],
                options={
                    'verbose_name': '整改方案',
                    'verbose_name_plural': '整改方案',
                    'db_table': 'scoring_rectificationplan',
                },
            ),
            migrations.CreateModel(
                name='RectificationItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('problem', models.TextField(verbose_name='存在问题')),
                    ('measures', models.TextField(verbose_name='整改措施')),
                    ('responsible', models.CharField(max_length=50, verbose_name='责任人')),
                    ('deadline', models.DateField(verbose_name='完成时限')),
                    ('status', models.CharField(choices=[('open', '整改中'), ('reported', '待验收'), ('accepted', '已验收'), ('returned', '验收退回')], default='open', max_length=10, verbose_name='状态')),
                    ('review_note', models.TextField(blank=True, verbose_name='验收意见')),
                    ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='验收时间')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='验收人')),
                    ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='rectification.rectificationplan')),
                ],
                options={
                    'verbose_name': '整改事项',
                    'verbose_name_plural': '整改事项',
                    'db_table': 'scoring_rectificationitem',
                    'ordering': ['plan', 'deadline', 'id'],
                },
            ),
            migrations.CreateModel(
                name='RectificationProgress',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(verbose_name='整改进展')),
                    ('reported_at', models.DateTimeField(auto_now_add=True, verbose_name='报告时间')),
                    ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress', to='rectification.rectificationitem')),
                    ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报告人')),
                ],
                options={
                    'verbose_name': '整改进展',
                    'verbose_name_plural': '整改进展',
                    'db_table': 'scoring_rectificationprogress',
                    'ordering': ['reported_at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='StarRating',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('label', models.CharField(max_length=20, verbose_name='星级')),
                    ('original_label', models.CharField(max_length=20, verbose_name='评定星级')),
                    ('valid_from', models.DateField(verbose_name='生效日期')),
                    ('expires_on', models.DateField(help_text='当天起不再有效。', verbose_name='失效日期')),
                    ('status', models.CharField(choices=[('valid', '有效'), ('lowered', '已降级'), ('revoked', '已撤销')], default='valid', max_length=8, verbose_name='状态')),
                    ('changed_reason', models.TextField(blank=True, verbose_name='调整理由')),
                    ('changed_at', models.DateTimeField(blank=True, null=True, verbose_name='调整时间')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='star_ratings', to='campaigns.campaign')),
                    ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='调整人')),
                    ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='star_ratings', to='branches.org')),
                ],
                options={
                    'verbose_name': '星级评定',
                    'verbose_name_plural': '星级评定',
                    'db_table': 'scoring_starrating',
                    'ordering': ['org', '-valid_from', '-id'],
                },
            ),
            migrations.AddConstraint(
                model_name='rectificationplan',
                constraint=models.UniqueConstraint(fields=('campaign', 'org'), name='rectification_plan_unique'),
            ),
            migrations.AddConstraint(
                model_name='rectificationplan',
                constraint=models.CheckConstraint(condition=models.Q(('yellow_card', True), ('yellow_card_deadline__isnull', True), _connector='OR'), name='rectification_deadline_only_with_card'),
            ),
            migrations.AddConstraint(
                model_name='rectificationitem',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('problem', ''), _negated=True), models.Q(('measures', ''), _negated=True), models.Q(('responsible', ''), _negated=True)), name='rectification_item_complete'),
            ),
            migrations.AddConstraint(
                model_name='starrating',
                constraint=models.UniqueConstraint(fields=('campaign', 'org'), name='star_rating_unique'),
            ),
            migrations.AddConstraint(
                model_name='starrating',
                constraint=models.CheckConstraint(condition=models.Q(('expires_on__gt', models.F('valid_from'))), name='star_rating_expiry_after_start'),
            ),
            migrations.AddConstraint(
                model_name='starrating',
                constraint=models.CheckConstraint(condition=models.Q(('status', 'valid'), models.Q(('changed_reason', ''), _negated=True), _connector='OR'), name='star_rating_change_needs_reason'),
            ),
        ], database_operations=[]),
    ]
