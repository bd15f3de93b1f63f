"""Exports through Celery: how the services queue the task (always run), and a real Celery worker on Redis
against PostgreSQL (the worker must see the test's data; those tests are skipped unless REDIS_URL and a
PostgreSQL DATABASE_URL are set — CI sets both)."""
import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from reports import queue, services
from reports.models import ExportJob, ExportStatus
from tests.reports import builders, slow_exporter  # noqa: F401  (registers "slowtest" here too)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

needs_worker = pytest.mark.skipif(not REDIS_URL or not DATABASE_URL.startswith(("postgres://", "postgresql://")),
                                  reason="needs REDIS_URL and a PostgreSQL DATABASE_URL")


# ---- queueing, with and without a broker (no worker needed) ---------------------------------------------------

def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_services_queue_the_task_by_name_without_importing_the_task_module():
    for module in ("services", "queue"):
        imported = imported_modules(ROOT / "reports" / f"{module}.py")
        assert "reports.tasks" not in imported, f"reports/{module}.py imports reports.tasks"
    assert "reports.services" in imported_modules(ROOT / "reports" / "tasks.py")
    from celery import current_app

    from reports import tasks

    registered = current_app.tasks[queue.RUN_EXPORT]  # the name the services queue resolves to the task
    assert registered.name == tasks.run_export.name == queue.RUN_EXPORT
    assert registered.run.__module__ == "reports.tasks" and registered.run.__name__ == "run_export"


@pytest.mark.django_db
def test_without_a_broker_the_export_runs_in_process(tree, campaign, staff, settings):
    builders.scenario(tree, campaign, staff)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    assert job.status == ExportStatus.DONE and job.attempts == 1 and job.file.read(2) == b"PK"


@pytest.mark.django_db
def test_with_a_broker_the_job_is_sent_to_the_queue_with_retries(tree, campaign, staff, settings, monkeypatch):
    from celery import current_app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(current_app.tasks[queue.RUN_EXPORT], "apply_async",
                        lambda *args, **kwargs: sent.append((args, kwargs)))
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    assert job.status == ExportStatus.QUEUED and not job.file  # queued, not run here
    assert sent == [((), {"args": [str(job.pk)], "retry": True, "retry_policy": queue.SEND_RETRY_POLICY})]


# ---- a real worker ----------------------------------------------------------------------------------------------


def worker_env(visibility=3):
    """The test's settings for a subprocess, pointed at the test database (test_<name>) and the test's media."""
    name = connection.settings_dict["NAME"]
    base = DATABASE_URL.rsplit("/", 1)[0]
    env = {**os.environ, "DATABASE_URL": f"{base}/{name}", "REDIS_URL": REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "gradingsite.settings_test",
           "CELERY_VISIBILITY_TIMEOUT": str(visibility), "PYTHONPATH": str(ROOT)}
    return env


def start_worker(env, log):
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "gradingsite", "worker", "--pool=solo", "-l", "info",
         "-I", "tests.reports.slow_exporter", "--without-gossip", "--without-mingle", "-n", f"gs-e-{time.time()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = predicate()
        if job:
            return job
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def job_where(pk, **filters):
    return lambda: ExportJob.objects.filter(pk=pk, **filters).first()


@pytest.fixture
def media(settings):
    """The worker runs with settings_test, whose MEDIA_ROOT is var/test-media: read the files from there."""
    settings.MEDIA_ROOT = str(ROOT / "var" / "test-media")
    return settings.MEDIA_ROOT


@pytest.fixture
def workers(tmp_path):
    procs = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.mark.celery
@needs_worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_export_and_page_shows_progress(client, tree, campaign, staff, media, workers, tmp_path):
    builders.scenario(tree, campaign, staff)
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    workers.append(start_worker(worker_env(), open(tmp_path / "worker.log", "w")))
    client.force_login(staff)
    client.post(f"/campaigns/{campaign.slug}/exports/", {"report": "yilan", "format": "pdf"})
    job = ExportJob.objects.get()
    done = wait_for(job_where(job.pk, status=ExportStatus.DONE), 120, "the worker to finish the export")
    state = client.get(f"/exports/{job.pk}/progress/").json()
    assert state["status"] == "done" and state["progress"] == 100
    body = b"".join(client.get(state["download_url"]).streaming_content)
    assert body.startswith(b"%PDF") and done.attempts == 1


@pytest.mark.celery
@needs_worker
@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_job_that_restarted_worker_finishes(tree, campaign, staff, media, workers, tmp_path):
    env = {**worker_env(visibility=3), "SLOW_EXPORT_SECONDS": "0.25"}
    job = services.start_export(user=staff, campaign=campaign, report="slowtest", fmt="xlsx")
    assert job.status == ExportStatus.QUEUED
    log = open(tmp_path / "worker1.log", "w")
    first = start_worker(env, log)
    workers.append(first)
    wait_for(job_where(job.pk, status=ExportStatus.RUNNING, progress__gt=0), 90, "the first worker to start")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stuck = ExportJob.objects.get(pk=job.pk)
    assert stuck.status == ExportStatus.RUNNING and stuck.progress < 100
    time.sleep(4)  # past the visibility timeout: the unacknowledged message becomes visible again
    workers.append(start_worker(env, open(tmp_path / "worker2.log", "w")))
    done = wait_for(job_where(job.pk, status=ExportStatus.DONE), 120, "the restarted worker to finish the job")
    assert done.attempts == 2 and done.progress == 100
    assert Path(done.file.path).read_bytes().startswith(b"PK")


@pytest.mark.celery
@needs_worker
@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_marks_job_failed_to_queue(tree, campaign, staff, media):
    env = {**worker_env(), "REDIS_URL": "redis://127.0.0.1:1/0"}
    code = ("from django.contrib.auth import get_user_model; from campaigns.models import Campaign; "
            "from reports import services; "
            f"job = services.start_export(user=get_user_model().objects.get(pk={staff.pk}), "
            f"campaign=Campaign.objects.get(pk={campaign.pk}), report='yilan', fmt='xlsx'); print(job.pk)")
    proc = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.QUEUE_FAILED and "无法连接" in job.error
