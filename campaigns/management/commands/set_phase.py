"""manage.py set_phase --campaign SLUG --phase NAME — NAME is the phase's Chinese name (SPEC §4)."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign, Phase
from campaigns.services import set_phase


class Command(BaseCommand):
    help = "切换定级工作的阶段（可前进或退回），记入审计日志。阶段：" + "、".join(Phase.labels)

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码")
        parser.add_argument("--phase", required=True, help="阶段名称，如 党员群众测评")
        parser.add_argument("--reason", default="", help="说明（记入审计日志）")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            slugs = "、".join(Campaign.objects.values_list("slug", flat=True)) or "（暂无）"
            raise CommandError(f"没有代码为“{options['campaign']}”的定级工作。现有：{slugs}")
        before = campaign.phase_label
        try:
            set_phase(campaign=campaign, phase=options["phase"], actor=None, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages))
        if before == campaign.phase_label:
            self.stdout.write(f"“{campaign.name}”已处于“{before}”阶段，未作改变。")
        else:
            self.stdout.write(self.style.SUCCESS(f"“{campaign.name}”：{before} → {campaign.phase_label}"))
