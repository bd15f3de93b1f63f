"""/healthz: 200 "ok" or 503, detail only for staff or the token, no session or database write, never limited;
the worker heartbeat against a private redis-server."""
import json
import time
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from core import health
from tests.deploy.services import RedisServer, free_port, redis_available, wait_until

TOKEN = "probe-token-0123456789abcdef"
needs_redis = pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def with_broker(settings, redis_server):
    """The settings of a site with a broker: Redis reachable, tasks sent to a worker."""
    settings.REDIS_URL = redis_server.url(14)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return redis_server


@pytest.fixture
def no_broker(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.mark.django_db
def test_anonymous_caller_gets_ok_and_no_detail_session_or_write(client, no_broker):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok" and response["Content-Type"].startswith("text/plain")
    assert not response.cookies, "no session or CSRF cookie for a probe"
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_admin_user_gets_the_checks_as_json(client, superuser, no_broker):
    client.force_login(superuser)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert {c["name"]: c["detail"] for c in body["checks"]}["worker"] == "in-process"
    assert [c["name"] for c in body["checks"]] == ["database", "redis", "worker"]


@pytest.mark.django_db
def test_a_logged_in_non_staff_user_gets_no_detail(client, secretary_of_branch, no_broker):
    client.force_login(secretary_of_branch)
    assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_the_token_header_gives_detail_and_a_wrong_token_does_not(client, settings, no_broker):
    settings.HEALTHZ_TOKEN = TOKEN
    assert client.get("/healthz", HTTP_X_HEALTHZ_TOKEN=TOKEN).json()["status"] == "ok"
    assert client.get("/healthz", HTTP_X_HEALTHZ_TOKEN="wrong").content == b"ok"
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz", HTTP_X_HEALTHZ_TOKEN="").content == b"ok"


@pytest.mark.django_db
def test_writes_are_refused(client, no_broker):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_database_that_fails_gives_503_and_the_error_to_staff_only(client, settings, no_broker):
    settings.HEALTHZ_TOKEN = TOKEN
    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("connection refused")):
        plain = client.get("/healthz")
        detailed = client.get("/healthz", HTTP_X_HEALTHZ_TOKEN=TOKEN)
    assert plain.status_code == 503 and plain.content == b"unavailable"
    assert b"refused" not in plain.content
    checks = {c["name"]: c for c in detailed.json()["checks"]}
    assert detailed.status_code == 503 and not checks["database"]["ok"]
    assert "connection refused" in checks["database"]["detail"]


@pytest.mark.django_db
def test_a_refused_redis_gives_503(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/14"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz", HTTP_X_HEALTHZ_TOKEN=TOKEN)
    checks = {c["name"]: c["ok"] for c in response.json()["checks"]}
    assert response.status_code == 503 and checks == {"database": True, "redis": False, "worker": False}


@pytest.mark.django_db
def test_never_rate_limited(client, no_broker):
    assert {client.get("/healthz").status_code for _ in range(120)} == {200}


@needs_redis
@pytest.mark.django_db
def test_worker_heartbeat_missing_fresh_and_stale(client, settings, with_broker):
    settings.HEALTHZ_TOKEN = TOKEN

    def worker_check():
        response = client.get("/healthz", HTTP_X_HEALTHZ_TOKEN=TOKEN)
        checks = {c["name"]: c for c in json.loads(response.content)["checks"]}
        assert checks["redis"]["ok"] and checks["redis"]["detail"] == "PONG"
        return response.status_code, checks["worker"]["detail"]

    assert worker_check() == (503, "no heartbeat")
    health.write_heartbeat()
    status, detail = worker_check()
    assert status == 200 and detail.startswith("heartbeat")
    health.write_heartbeat(now=time.time() - health.HEARTBEAT_STALE_SECONDS - 5)
    status, detail = worker_check()
    assert status == 503 and detail.startswith("heartbeat 6")
    assert client.get("/healthz").content == b"unavailable"


@needs_redis
def test_heartbeat_thread_writes_and_stops(settings, with_broker):
    log = mock.Mock()
    stop = health.start_heartbeat(log)
    try:
        wait_until(lambda: health.check_worker().ok, 5, "the first heartbeat")
    finally:
        stop.set()
    assert not log.warning.called


@needs_redis
def test_heartbeat_thread_survives_redis_going_away(settings, with_broker):
    with_broker.stop()
    log = mock.Mock()
    with mock.patch.object(health, "HEARTBEAT_SECONDS", 0.05):
        stop = health.start_heartbeat(log)
        time.sleep(0.3)
        stop.set()
    assert log.warning.call_count >= 2, "the loop logs and carries on"
    assert not health.check_worker().ok
