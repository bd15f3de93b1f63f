from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = "整改、晋位升级与星级"

    def ready(self):
        # The org page panels of 整改提升 and 星级, and the campaign page links of this app.
        from rectification import panels, receivers, views  # noqa: F401
