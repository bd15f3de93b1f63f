"""50 clients post the same code at once against a live server; it must count exactly once.

Collected through tests/surveys/test_replay.py (PostgreSQL, in process) and run on its own by a subprocess with a
file-based SQLite test database (an in-memory SQLite test database is shared by the live server's threads through
one connection, which would test nothing)."""
import http.client
import threading
import urllib.parse

import pytest
from django.db import connection

from campaigns.models import Phase
from surveys import services
from surveys.models import StagedResponse, SurveyToken
from tests import factories as f

CLIENTS = 50


def post_concurrently(base_url, path, body, clients=CLIENTS):
    """POST `body` to `path` from `clients` threads released together; returns their status codes."""
    parsed = urllib.parse.urlsplit(base_url)
    barrier = threading.Barrier(clients)
    statuses, lock = [], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        conn.connect()
        barrier.wait()
        try:
            conn.request("POST", path, body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Host": parsed.netloc})
            status = conn.getresponse().status
        except Exception as exc:  # a failure must show up in the assertion, not kill the thread silently
            status = repr(exc)
        finally:
            conn.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses


def live_replay_counts_once(live_server):
    tree = f.county()
    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    code = services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=2)[0]
    statuses = post_concurrently(live_server.url, f"/s/{code}/", "overall=1&category=member")
    assert len(statuses) == CLIENTS
    assert statuses.count(302) == 1, statuses
    assert statuses.count(404) + statuses.count(429) == CLIENTS - 1, statuses  # the code is now unknown
    assert StagedResponse.objects.count() == 1
    assert SurveyToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_of_one_code_count_once(live_server):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a database the live server's threads reach through their own connections "
                    "(PostgreSQL, or the file-based SQLite run of test_replay.py)")
    live_replay_counts_once(live_server)
