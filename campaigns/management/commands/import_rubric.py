"""manage.py import_rubric FILE.xlsx --sector SECTOR --name NAME — the same checks as the web import."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.rubrics import import_rubric


class Command(BaseCommand):
    help = "从 Excel 工作簿导入一个领域的评分标准版本（列：指标、指标分值、细则、细则分值、评分说明）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="评分标准工作簿 .xlsx")
        parser.add_argument("--sector", required=True, help="领域名称，如 机关事业单位")
        parser.add_argument("--name", required=True, help="版本名称，如 2026版")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            with open(path, "rb") as fh:
                rubric = import_rubric(file=fh, sector=options["sector"], name=options["name"], actor=None,
                                       filename=path.name)
        except ValidationError as exc:
            raise CommandError("导入失败，未保存任何内容：\n" + "\n".join(f"- {m}" for m in exc.messages))
        indicators = rubric.indicators.count()
        criteria = sum(i.criteria.count() for i in rubric.indicators.all())
        self.stdout.write(self.style.SUCCESS(
            f"已导入评分标准“{rubric}”：{indicators} 个指标，{criteria} 条细则。"))
