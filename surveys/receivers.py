"""What the survey app does when the apps below it report a change (connected in SurveysConfig.ready).

- Every new campaign starts with the default respondent categories (党员, 群众代表, 服务对象).
- Leaving 党员群众测评 mixes every staged answer in and deletes the remaining codes and staged rows."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from campaigns.models import Campaign, Phase
from campaigns.signals import phase_changed
from surveys.services import close_survey, seed_categories


@receiver(post_save, sender=Campaign, dispatch_uid="surveys.seed_categories")
def _seed_categories(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        seed_categories(campaign=instance)


@receiver(phase_changed, dispatch_uid="surveys.close_survey")
def close_survey_on_phase_change(sender, campaign, before, after, **kwargs):
    """Leaving 党员群众测评 (forward or back): surveys.services.close_survey."""
    if before == Phase.SURVEY and after != Phase.SURVEY:
        close_survey(campaign=campaign)
