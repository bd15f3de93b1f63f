"""manage.py export REPORT --campaign SLUG --format xlsx|pdf --output PATH [--scope CODE] (SPEC §10)."""
from django.core.management.base import BaseCommand, CommandError

from branches.models import Org
from campaigns.models import Campaign
from reports import services
from reports.exporters import REGISTRY


class Command(BaseCommand):
    help = "导出报表：" + "、".join(f"{k}（{v.title}）" for k, v in REGISTRY.items())

    def add_arguments(self, parser):
        parser.add_argument("report", help="报表：" + ", ".join(REGISTRY))
        parser.add_argument("--campaign", required=True, help="定级工作代码（slug）")
        parser.add_argument("--format", required=True, dest="fmt", help="xlsx 或 pdf")
        parser.add_argument("--output", required=True, help="输出文件路径")
        parser.add_argument("--scope", default="", help="只导出该组织编码的党组织及其下级")

    def handle(self, *args, report, campaign, fmt, output, scope, **options):
        try:
            cls = services.check_request(report, fmt)
        except services.ExportError as exc:
            raise CommandError(str(exc))
        found = Campaign.objects.select_related("root").filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为“{campaign}”的定级工作。")
        scope_org = None
        if scope:
            scope_org = Org.objects.filter(code=scope, path__startswith=found.root.path).first()
            if scope_org is None:
                raise CommandError(f"组织编码“{scope}”不在“{found.name}”的范围内。")
        exporter = cls(found, scope=scope_org)
        try:
            services.render_report(exporter, fmt, output)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror or exc}")
        self.stdout.write(f"已导出“{cls.title}”到 {output}")
