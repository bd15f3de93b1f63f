"""`manage.py restore PATH`: restore a backup of `manage.py backup` into an EMPTY database, then migrate."""
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从备份文件恢复到空数据库 / restore a backup into an empty database"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="manage.py backup 写出的备份文件 / a file written by manage.py backup")

    def handle(self, *args, path, **options):
        try:
            manifest = restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"已恢复 / restored: {path}（备份于 {manifest['created_at']}，程序版本 "
                          f"{manifest['app_version']}，{sum(1 for m in manifest['members'] if m.startswith('media/'))} "
                          f"个上传文件）")
