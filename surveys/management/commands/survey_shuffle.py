from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from campaigns.models import Campaign, Phase
from surveys import services
from surveys.models import StagedResponse, SurveyResponse, SurveyToken


class Command(BaseCommand):
    help = ("立即运行答卷混排：测评进行中时，待混排答卷满一批（20 份）即随机顺序移入答卷表；测评结束后全部移入。"
            "测评结束后还清理旧行版本（见 docs/anonymity.md）。")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码（slug）")

    def handle(self, *args, campaign, **options):
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为“{campaign}”的定级工作。")
        count = services.mix_now(campaign=found, actor=None)
        waiting = StagedResponse.objects.filter(campaign=found).count()
        if found.phase != Phase.SURVEY:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    for model in (StagedResponse, SurveyResponse, SurveyToken):
                        cursor.execute(f'VACUUM FULL "{model._meta.db_table}"')
                elif connection.vendor == "sqlite":
                    cursor.execute("VACUUM")
        message = f"已混排 {count} 份答卷。"
        if waiting:
            message += f"另有 {waiting} 份待混排（不足一批，满 20 份或测评结束时移入）。"
        self.stdout.write(self.style.SUCCESS(message))
