from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "评分与定级"

    def ready(self):
        # The org page panels (grades with their explanations, 调查摸底) and the campaign page links of grading;
        # grades follow the votes: surveys tells (votes_changed), scoring recomputes — surveys never imports scoring.
        from scoring import panels, receivers  # noqa: F401
        from scoring.views import grading  # noqa: F401
        from surveys.signals import votes_changed

        votes_changed.connect(receivers.recompute_on_votes_changed, dispatch_uid="scoring.recompute_on_votes_changed")
