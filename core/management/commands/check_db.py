"""`manage.py check_db [--migrated]`: exits 0 when the database answers (and, with --migrated, has every migration of
this code applied), else prints one line and exits non-zero. The systemd units run it as ExecStartPre, and the
upgrade runbook runs it before `migrate` (docs/deployment.md)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.health import database_refusal

REFUSED_STATUS = 3
UNMIGRATED_STATUS = 4


class Command(BaseCommand):
    help = "检查数据库能否连接（及迁移是否已全部执行） / check that the database answers"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--migrated", action="store_true",
                            help="同时要求本版本的全部迁移均已执行 / also require every migration applied")

    def handle(self, *args, migrated=False, **options):
        refusal = database_refusal()
        if refusal:
            raise CommandError(refusal, returncode=REFUSED_STATUS)
        if migrated:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                raise CommandError(f"数据库尚有 {len(pending)} 个迁移未执行，请先运行 manage.py migrate / "
                                   f"{len(pending)} migrations not applied: run manage.py migrate first",
                                   returncode=UNMIGRATED_STATUS)
        self.stdout.write("数据库连接正常 / database ok")
