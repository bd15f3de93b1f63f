"""manage.py import_orgs FILE.xlsx [--dry-run] — the org-tree import of SPEC §10, same rules as the web page."""
from django.core.management.base import BaseCommand, CommandError

from branches.services import OrgImportError, apply_org_import, parse_org_workbook


class Command(BaseCommand):
    help = "从 Excel 工作簿导入（或按组织编码更新）党组织树。表头：组织编码、组织名称、组织类型、上级组织编码、所属领域、书记、党员人数、近三年发展党员数。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="组织树工作簿（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将要新增、更新的党组织，不保存")
        parser.add_argument("--verbose-changes", action="store_true", help="逐个列出新增和更新的党组织")

    def handle(self, *args, file, dry_run, verbose_changes, **options):
        plan = parse_org_workbook(file)
        if not plan.ok:
            raise CommandError(self._problems(plan.errors))
        if dry_run or verbose_changes:
            for r in plan.created:
                self.stdout.write(f"新增 {r.code} {r.name}")
            for ch in plan.updated:
                fields = "；".join(f"{label}：{before or '（空）'} → {after or '（空）'}" for label, before, after in ch.changes)
                self.stdout.write(f"更新 {ch.code} {ch.name}：{fields}")
        if dry_run:
            self.stdout.write(f"检查通过（未保存）：将{plan.summary}。")
            return
        try:
            result = apply_org_import(plan, actor=None)
        except OrgImportError as exc:
            raise CommandError(self._problems(exc.problems))
        self.stdout.write(self.style.SUCCESS(f"导入完成：{result.summary}。"))

    @staticmethod
    def _problems(problems):
        lines = [f"导入失败，文件有 {len(problems)} 个问题，未保存任何数据："]
        lines += [f"  {p.text}" for p in problems]
        return "\n".join(lines)
