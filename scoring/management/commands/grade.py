"""manage.py grade --campaign SLUG: recompute every grade of a campaign and print the count per grade."""
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from scoring.services.grading import format_counts, recompute_campaign


class Command(BaseCommand):
    help = "重新计算一次定级工作中全部定级对象的等次，并输出各等次数量。"

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码")

    def handle(self, *args, **options):
        slug = options["campaign"]
        campaign = Campaign.objects.select_related("root").filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"没有代码为“{slug}”的定级工作。")
        counts = recompute_campaign(campaign=campaign, actor=None)
        self.stdout.write(format_counts(counts))
