"""公示 and objections left `scoring` with their tables (db_table keeps the old names): state only."""
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
                name='Publicity',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('starts_on', models.DateField(verbose_name='公示开始日期')),
                    ('ends_on', models.DateField(verbose_name='公示结束日期（含）')),
                    ('published_at', models.DateTimeField(verbose_name='发布时间')),
                    ('finalised_at', models.DateTimeField(blank=True, null=True, verbose_name='定级确定时间')),
                    ('campaign', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='publicity', to='campaigns.campaign')),
                    ('finalised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确定人')),
                    ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
                ],
                options={
                    'verbose_name': '公示',
                    'verbose_name_plural': '公示',
                    'db_table': 'scoring_publicity',
                },
            ),
            migrations.CreateModel(
                name='PublishedResult',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('org_name', models.CharField(max_length=200, verbose_name='组织名称')),
                    ('unit_name', models.CharField(blank=True, max_length=200, verbose_name='所属单位')),
                    ('label', models.CharField(max_length=20, verbose_name='等次')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='等次位次')),
                    ('revised', models.BooleanField(default=False, verbose_name='已根据异议复核更新')),
                    ('previous_label', models.CharField(blank=True, max_length=20, verbose_name='复核前等次')),
                    ('revised_at', models.DateTimeField(blank=True, null=True, verbose_name='复核更新时间')),
                    ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='branches.org')),
                    ('publicity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='publicity.publicity')),
                ],
                options={
                    'verbose_name': '公示结果',
                    'verbose_name_plural': '公示结果',
                    'db_table': 'scoring_publishedresult',
                    'ordering': ['position', 'label', 'org__path'],
                },
            ),
            migrations.CreateModel(
                name='Objection',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(verbose_name='异议内容')),
                    ('contact', models.CharField(blank=True, max_length=100, verbose_name='联系方式')),
                    ('status', models.CharField(choices=[('pending', '待处理'), ('upheld', '异议成立'), ('rejected', '异议不成立')], default='pending', max_length=10, verbose_name='处理状态')),
                    ('reply', models.TextField(blank=True, verbose_name='答复')),
                    ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='提出时间')),
                    ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处理人')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='objections', to='campaigns.campaign')),
                    ('org', models.ForeignKey(blank=True, help_text='留空表示针对整个公示名单。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='branches.org', verbose_name='涉及党组织')),
                ],
                options={
                    'verbose_name': '公示异议',
                    'verbose_name_plural': '公示异议',
                    'db_table': 'scoring_objection',
                    'ordering': ['-created_at', '-id'],
                    'constraints': [models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='objection_text_not_blank'), models.CheckConstraint(condition=models.Q(('status', 'pending'), models.Q(('reply', ''), _negated=True), _connector='OR'), name='objection_answer_needs_reply'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'upheld'), _negated=True), ('org__isnull', False), _connector='OR'), name='objection_upheld_names_org')],
                },
            ),
            migrations.AddConstraint(
                model_name='publicity',
                constraint=models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='publicity_window_order'),
            ),
            migrations.AddConstraint(
                model_name='publishedresult',
                constraint=models.UniqueConstraint(fields=('publicity', 'org'), name='published_result_unique'),
            ),
        ], database_operations=[]),
    ]
