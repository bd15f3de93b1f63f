"""Builders shared by the tests of the pages after the grades (公示, 整改, rounds, stars)."""
import datetime

from django.core.cache import cache

from campaigns.models import Phase
from campaigns.selectors import targets
from publicity import services as publicity
from scoring.models import Grade

# One grade per 定级对象 of the county tree: 村 orgs on the three-tier scale, the others on the four-tier scale.
LABELS = {"vil-1": "先进", "vil-2": "一般", "com-1": "较好", "vil-3": "后进", "agency": "好", "ag-1": "一般",
          "ag-2": "较差"}
TODAY = datetime.date(2026, 5, 11)


def grade_all(campaign, labels=None, phase=Phase.REVIEW):
    """Store a computed grade for every 定级对象 (labels by org code) and move the campaign to `phase`."""
    labels = LABELS if labels is None else labels
    for org in targets(campaign):
        if org.code in labels:
            Grade.objects.update_or_create(campaign=campaign, org=org,
                                           defaults={"computed_label": labels[org.code], "explanation": "测试"})
    campaign.phase = phase
    campaign.save(update_fields=["phase"])
    return campaign


def publish(campaign, actor, starts_on=TODAY, labels=None):
    grade_all(campaign, labels)
    return publicity.publish_results(campaign=campaign, actor=actor, starts_on=starts_on, today=starts_on)


def finalise(campaign, actor, starts_on=TODAY, labels=None):
    p = publish(campaign, actor, starts_on, labels)
    publicity.finalise_results(campaign=campaign, actor=actor, today=p.ends_on + datetime.timedelta(days=1))
    return p


def fix_today(monkeypatch, day: datetime.date):
    """Make "now" noon of `day` in Asia/Shanghai for every caller of django.utils.timezone.now."""
    from django.utils import timezone

    moment = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=publicity.LOCAL_TZ)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def clear_rate_limits():
    cache.clear()
