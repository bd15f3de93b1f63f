"""manage.py cleanup_exports: delete the files of expired exports (run from cron, or celery beat's task)."""
from django.core.management.base import BaseCommand

from reports import services


class Command(BaseCommand):
    help = "删除已过期的导出文件"

    def handle(self, *args, **options):
        n = services.delete_expired_exports()
        self.stdout.write(f"已删除 {n} 个过期的导出文件。")
