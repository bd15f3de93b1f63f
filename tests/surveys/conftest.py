import itertools
import random

import pytest
from django.test import Client

from campaigns.models import Phase
from surveys import services

# Random start: with a Redis cache (CI) rate-limit counters outlive a test run, so IPs must differ between runs.
_ips = itertools.count(random.randrange(1, 2**24 - 100000))


@pytest.fixture
def client():
    """A test client with its own client IP, so rate limits never leak from one test into another."""
    n = next(_ips)
    return Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")


@pytest.fixture
def survey_campaign(campaign):
    campaign.phase = Phase.SURVEY
    campaign.save()
    return campaign


@pytest.fixture
def codes(survey_campaign, tree):
    """Five fresh codes for 二村党支部 (vil-2)."""
    return services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=5)
