"""manage.py run_periodic: run every periodic task of CELERY_BEAT_SCHEDULE once, here and now (from cron where
there is no celery beat, or by hand). Tasks are found by name in the Celery app, so this command knows no app."""
from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "立即执行一次所有定时任务（CELERY_BEAT_SCHEDULE），用于没有 celery beat 的部署或手工执行"

    def handle(self, *args, **options):
        failed = []
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            task = current_app.tasks[entry["task"]]
            result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False)
            if result.failed():
                failed.append(name)
                self.stderr.write(f"{name}：失败（{result.result!r}）")
            else:
                self.stdout.write(f"{name}：完成（{result.result}）")
        if failed:
            raise CommandError(f"{len(failed)} 个定时任务失败：{'、'.join(failed)}")
