"""System checks of the project's own settings (registered by core.apps.CoreConfig)."""
from django.conf import settings
from django.core.checks import Warning


def check_task_broker(app_configs=None, **kwargs):
    """gradingsite.W001: with DEBUG off and no REDIS_URL, Celery runs every task eagerly in the process that queues
    it, so a long export is built inside the web request that asked for it (and rate limits count per process)."""
    if settings.DEBUG or getattr(settings, "REDIS_URL", ""):
        return []
    return [Warning(
        "未设置 REDIS_URL：导出等后台任务将在网页请求内同步执行，限流计数也只在单个进程内有效。"
        " / No REDIS_URL with DEBUG off: tasks would run in-process inside web requests; set REDIS_URL "
        "(e.g. redis://127.0.0.1:6379/0) and run a Celery worker.",
        hint="设置 REDIS_URL 并启动 Celery worker：celery -A gradingsite worker -l info",
        id="gradingsite.W001",
    )]
