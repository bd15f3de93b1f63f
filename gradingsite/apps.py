from django.apps import AppConfig


class GradingsiteConfig(AppConfig):
    name = "gradingsite"
    verbose_name = "gradingsite"

    def ready(self):
        from django.core import checks

        from .checks import check_task_broker

        checks.register(check_task_broker)
