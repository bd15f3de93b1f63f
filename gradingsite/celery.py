import logging
import os
import sys

from celery import Celery
from celery.signals import worker_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradingsite.settings")

app = Celery("gradingsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("gradingsite.worker")
_heartbeat = {}


@worker_init.connect
def refuse_start_without_database(**kwargs):
    """A worker that cannot reach the database would take jobs and fail them all: exit with one line instead."""
    from core.health import database_refusal

    refusal = database_refusal()
    if refusal:
        sys.stderr.write(refusal + "\n")
        sys.stderr.flush()
        os._exit(3)  # not SystemExit: Celery would print its own traceback around it


@worker_ready.connect
def start_heartbeat(**kwargs):
    """The worker's heartbeat for /healthz (core.health.check_worker)."""
    from django.conf import settings

    from core.health import start_heartbeat as start

    if settings.REDIS_URL and "stop" not in _heartbeat:
        _heartbeat["stop"] = start(log)


@worker_shutdown.connect
def stop_heartbeat(**kwargs):
    stop = _heartbeat.pop("stop", None)
    if stop is not None:
        stop.set()
