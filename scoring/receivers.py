"""scoring's answers to the signals of the apps below it; ScoringConfig.ready connects them."""
from branches.models import Org
from scoring.services.grading import recompute_orgs


def recompute_on_votes_changed(sender, *, campaign, org_ids, **kwargs):
    """surveys.signals.votes_changed: the orgs' votes changed, so recompute their grades now, in the sender's
    transaction (a failure rolls the change of the votes back with it)."""
    recompute_orgs(campaign=campaign, orgs=Org.objects.filter(pk__in=org_ids).only("pk"))
