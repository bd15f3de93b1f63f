from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "评分与定级"

    def ready(self):
        # The org page panels (grades with their explanations, 调查摸底) and the campaign page links of grading.
        from scoring import panels  # noqa: F401
        from scoring.views import grading  # noqa: F401
