from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表"

    def ready(self):
        # The Celery tasks, registered in every process: reports.queue runs them by name when there is no broker.
        from reports import tasks  # noqa: F401
