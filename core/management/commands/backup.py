"""`manage.py backup --output PATH`: the database, the media files and a manifest in one file (core/backup.py)."""
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库与上传文件到一个文件 / back up the database and media files into one file"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="备份文件路径（不得已存在） / the file to write")

    def handle(self, *args, output, **options):
        try:
            summary = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"已写入备份 / backup written: {summary.path} ({summary.size} 字节, {summary.vendor}, "
                          f"{summary.media_files} 个上传文件)")
