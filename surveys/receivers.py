"""What the survey app does when the apps below it report a change (connected in SurveysConfig.ready)."""
from django.dispatch import receiver

from campaigns.models import Phase
from campaigns.signals import phase_changed


@receiver(phase_changed, dispatch_uid="surveys.close_survey")
def close_survey_on_phase_change(sender, campaign, before, after, **kwargs):
    """Leaving 党员群众测评 (forward or back): mix every staged answer in, delete the remaining codes and staged
    rows (surveys.services.close_survey)."""
    if before == Phase.SURVEY and after != Phase.SURVEY:
        from surveys.services import close_survey

        close_survey(campaign=campaign)
