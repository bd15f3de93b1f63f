from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "党员群众测评"

    def ready(self):
        # Campaign page links to the survey pages.
        from surveys import (
            links,  # noqa: F401
            receivers,  # noqa: F401  (default respondent categories; the survey's close)
        )
