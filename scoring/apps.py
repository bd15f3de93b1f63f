from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "评分与定级"

    def ready(self):
        # Org page panels of 调查摸底, 整改提升 and 星级 (engineer G).
        from . import panels_after  # noqa: F401
        # Org page panel of the grades with their explanations (engineer C).
        from . import panels_grading  # noqa: F401
        # Campaign-page links to the survey and export pages (engineer U).
        from . import links  # noqa: F401
