"""manage.py build_pdf_fonts [--force]: build the common CJK font of the PDFs (core.pdf_fonts) into var/fonts/.

Idempotent: when the font is already built from the same system font files and characters nothing is done, so
scripts/setup.sh runs it every time. The PDFs work without it (they then embed the system font at each write, which
costs much more memory)."""
from django.core.management.base import BaseCommand, CommandError

from core import pdf_fonts as fonts


class Command(BaseCommand):
    help = "生成 PDF 报表和测评票使用的常用汉字字体（Noto Sans CJK SC 的子集，常规和粗体），已是最新时不重复生成"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使字体已是最新也重新生成")

    def handle(self, *args, force=False, **options):
        try:
            manifest = fonts.build(force=force)
        except fonts.FontBuildError as exc:
            raise CommandError(str(exc)) from exc
        where = fonts.font_dir()
        if manifest["built"]:
            self.stdout.write(f"已生成 PDF 字体 {fonts.FAMILY}（{manifest['chars']} 个字符）：{where}")
        else:
            self.stdout.write(f"PDF 字体已是最新，无需重新生成：{where}")
