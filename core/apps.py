from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础设施"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from core.checks import check_task_broker
        from core.logins import on_login

        checks.register(check_task_broker)
        user_logged_in.connect(on_login, dispatch_uid="core.logins.on_login")
