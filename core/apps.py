from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础设施"

    def ready(self):
        from django.core import checks

        from core.checks import check_task_broker

        checks.register(check_task_broker)
