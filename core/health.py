"""Health checks for the load balancer (`/healthz`) and the start-up guard of the web server and the worker.

Each check returns a `Check` (name, ok, detail) and never raises: a check that cannot reach its service says so.
None of them writes to the database. The worker heartbeat is a Redis key the worker refreshes every
HEARTBEAT_SECONDS (gradingsite/celery.py); it counts as stale after HEARTBEAT_STALE_SECONDS. Without a broker
(REDIS_URL unset) tasks run in-process and the worker check reports "in-process", which is healthy.
"""
import threading
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connections

HEARTBEAT_KEY = "gradingsite:worker-heartbeat"
HEARTBEAT_SECONDS = 15
HEARTBEAT_STALE_SECONDS = 60
# Short enough for a load balancer probe (typically 5 s) to get an answer when a service hangs.
SOCKET_TIMEOUT_SECONDS = 2

DB_REFUSED_LINE = ("数据库无法连接，服务未启动 / database unreachable, not starting: {error} "
                   "(检查 DATABASE_URL 与数据库服务 / check DATABASE_URL and the database server)")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def check_database(alias: str = "default") -> Check:
    """SELECT 1 on the database. A broken connection is closed so the next request opens a new one."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable" to the caller
        connections[alias].close_if_unusable_or_obsolete()
        return Check("database", False, _one_line(exc))
    return Check("database", True, connections[alias].vendor)


def _redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                                socket_timeout=SOCKET_TIMEOUT_SECONDS)


def check_redis() -> Check:
    """PING the broker; "not configured" (healthy) without REDIS_URL."""
    if not settings.REDIS_URL:
        return Check("redis", True, "not configured")
    try:
        client = _redis_client()
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return Check("redis", False, _one_line(exc))
    return Check("redis", True, "PONG")


def check_worker(now: float | None = None) -> Check:
    """Healthy when a worker refreshed the heartbeat within HEARTBEAT_STALE_SECONDS, or when tasks run in-process."""
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("worker", True, "in-process")
    try:
        client = _redis_client()
        try:
            raw = client.get(HEARTBEAT_KEY)
        finally:
            client.close()
    except Exception as exc:
        return Check("worker", False, _one_line(exc))
    if raw is None:
        return Check("worker", False, "no heartbeat")
    try:
        age = (time.time() if now is None else now) - float(raw)
    except ValueError:
        return Check("worker", False, "unreadable heartbeat")
    if age > HEARTBEAT_STALE_SECONDS:
        return Check("worker", False, f"heartbeat {age:.0f} s old")
    return Check("worker", True, f"heartbeat {max(age, 0):.0f} s old")


def all_checks() -> list[Check]:
    return [check_database(), check_redis(), check_worker()]


def write_heartbeat(now: float | None = None) -> None:
    """Record that a worker is alive (raises if Redis is unreachable; the heartbeat loop logs and carries on)."""
    client = _redis_client()
    try:
        client.set(HEARTBEAT_KEY, repr(time.time() if now is None else now), ex=HEARTBEAT_STALE_SECONDS * 4)
    finally:
        client.close()


def start_heartbeat(log) -> threading.Event:
    """Refresh the heartbeat every HEARTBEAT_SECONDS in a daemon thread until the returned event is set."""
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            try:
                write_heartbeat()
            except Exception as exc:
                log.warning("worker heartbeat not written: %s", _one_line(exc))
            stop.wait(HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="gradingsite-heartbeat", daemon=True).start()
    return stop


def database_refusal() -> str | None:
    """None when the database answers; else the one line the web server and the worker print before exiting."""
    result = check_database()
    connections["default"].close()
    return None if result.ok else DB_REFUSED_LINE.format(error=result.detail)
