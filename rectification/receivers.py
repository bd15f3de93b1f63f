"""What rectification does when publicity finalises a campaign's results (connected in RectificationConfig.ready)."""
from django.dispatch import receiver

from publicity.signals import results_finalised
from rectification.services import create_plans
from rectification.stars import issue_star_ratings


@receiver(results_finalised, dispatch_uid="rectification.plans_and_stars")
def plans_and_stars(sender, *, campaign, actor, today, **kwargs):
    """One 整改 plan per published org, and the star ratings valid from `today`."""
    create_plans(campaign=campaign, actor=actor)
    issue_star_ratings(campaign=campaign, actor=actor, valid_from=today)
