"""Every new campaign starts with the default respondent categories (党员, 群众代表, 服务对象)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from campaigns.models import Campaign
from surveys.services import seed_categories


@receiver(post_save, sender=Campaign, dispatch_uid="surveys.seed_categories")
def _seed_categories(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        seed_categories(campaign=instance)
