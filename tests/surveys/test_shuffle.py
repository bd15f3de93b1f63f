"""After the survey: the storage order of responses no longer follows their order of arrival."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from campaigns.models import Phase
from surveys import services
from surveys.models import SurveyResponse
from surveys.selectors import vote_counts


def _physical_order():
    table = SurveyResponse._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'SELECT suggestions FROM "{table}" ORDER BY ctid')
        else:
            cursor.execute(f'SELECT suggestions FROM "{table}" ORDER BY rowid')
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_shuffle_breaks_arrival_order_and_keeps_the_tally(tree):
    from tests import factories as f

    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    codes = services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=40)
    arrival = [f"第{i:02d}份" for i in range(40)]
    for code, text in zip(codes, arrival, strict=False):
        services.submit_response(code=code, overall=1 + len(text) % 3, suggestions=text)
    assert _physical_order() == arrival  # the leak this command exists for
    before = vote_counts(campaign)
    with pytest.raises(CommandError, match="结束后"):
        call_command("survey_shuffle", "--campaign", campaign.slug, stdout=io.StringIO())
    campaign.phase = Phase.REVIEW
    campaign.save()
    old_ids = set(SurveyResponse.objects.values_list("pk", flat=True))
    call_command("survey_shuffle", "--campaign", campaign.slug, stdout=io.StringIO())
    after = _physical_order()
    assert sorted(after) == arrival and after != arrival
    assert vote_counts(campaign) == before
    assert not old_ids & set(SurveyResponse.objects.values_list("pk", flat=True))
