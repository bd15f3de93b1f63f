from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from campaigns.models import Campaign
from surveys import services
from surveys.models import SurveyResponse, SurveyToken


class Command(BaseCommand):
    help = ("测评结束后重排答卷的物理存储顺序并清理旧行版本，使数据库文件不再反映提交先后"
            "（见 docs/anonymity.md）。")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码（slug）")

    def handle(self, *args, campaign, **options):
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为“{campaign}”的定级工作。")
        try:
            count = services.shuffle_response_storage(campaign=found, actor=None)
        except services.SurveyError as exc:
            raise CommandError(str(exc))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for model in (SurveyResponse, SurveyToken):
                    cursor.execute(f'VACUUM FULL "{model._meta.db_table}"')
            elif connection.vendor == "sqlite":
                cursor.execute("VACUUM")
        self.stdout.write(self.style.SUCCESS(f"已重排 {count} 份答卷的存储顺序，并清理了旧的行版本。"))
