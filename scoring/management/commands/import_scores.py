"""manage.py import_scores FILE.xlsx --campaign SLUG: offline scores (SPEC §10), all rows or nothing."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from scoring.services.offline_scores import import_scores


class Command(BaseCommand):
    help = "导入线下成绩（组织编码、自评得分、满意票、基本满意票、不满意票、评定得分），全部成功或全部不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 工作簿 (.xlsx)")
        parser.add_argument("--campaign", required=True, help="定级工作代码")

    def handle(self, *args, **options):
        slug = options["campaign"]
        campaign = Campaign.objects.select_related("root").filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"没有代码为“{slug}”的定级工作。")
        try:
            with open(options["file"], "rb") as fh:
                summary = import_scores(campaign=campaign, fileobj=fh, actor=None)
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{options['file']}")
        except ValidationError as e:
            raise CommandError("导入失败，未保存任何数据：\n" + "\n".join(e.messages))
        self.stdout.write(
            f"已导入 {summary['rows']} 行：自评得分 {summary['self']} 个，测评票数 {summary['votes']} 个，"
            f"评定得分 {summary['review']} 个；相关党组织的等次已重新计算。"
        )
