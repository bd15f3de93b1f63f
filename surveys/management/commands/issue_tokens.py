from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import Org
from campaigns.models import Campaign
from surveys import services
from surveys import slips as slip_files


class Command(BaseCommand):
    help = "发放测评码：为一个定级对象生成 N 个一次性测评码，输出可打印的测评票 PDF 和/或链接 CSV。"

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码（slug）")
        parser.add_argument("--org", required=True, help="组织编码")
        parser.add_argument("--count", required=True, type=int, help="发放数量")
        parser.add_argument("--slips", help="测评票 PDF 输出路径")
        parser.add_argument("--csv", help="测评链接 CSV 输出路径")

    def handle(self, *args, campaign, org, count, slips: str | None = None, csv: str | None = None, **options):
        if not slips and not csv:
            raise CommandError("请至少指定 --slips 或 --csv 之一：测评码不在数据库中保存，只会写入这些文件。")
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为“{campaign}”的定级工作。")
        target = Org.objects.filter(code=org).first()
        if target is None:
            raise CommandError(f"没有组织编码为“{org}”的党组织。")
        for path in (slips, csv):
            if path and not Path(path).resolve().parent.is_dir():
                raise CommandError(f"输出目录不存在：{Path(path).resolve().parent}")
        try:
            codes = services.issue_tokens(campaign=found, org=target, count=count, actor=None)
        except services.SurveyError as exc:
            raise CommandError(str(exc))
        if csv:
            Path(csv).write_bytes(slip_files.tokens_csv(codes=codes, campaign=found, org=target))
            self.stdout.write(f"已写入链接表：{csv}")
        if slips:
            Path(slips).write_bytes(slip_files.slips_pdf(codes=codes, campaign=found, org=target))
            self.stdout.write(f"已写入测评票：{slips}")
        self.stdout.write(self.style.SUCCESS(f"已为“{target.name}”发放 {len(codes)} 个测评码。"))

