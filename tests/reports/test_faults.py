"""Exports through faults: a running job's heartbeat, the sweep that finds a job whose worker died and queues it
again (at most EXPORT_MAX_ATTEMPTS runs, then 失败 with the reason and 重试), output renamed into place only when
complete, and — with a real worker on a private redis-server the test starts and kills by PID — the worker
reconnecting after Redis comes back and a SIGKILLed worker's job coming back through the sweep."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ExportJob, ExportStatus
from tests.conftest import login
from tests.reports import builders, slow_exporter  # noqa: F401  (registers "slowtest" here too)
from tests.reports.test_celery import DATABASE_URL, ROOT, start_worker, wait_for, worker_env

needs_redis_and_postgres = pytest.mark.skipif(
    not shutil.which("redis-server") or not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="needs redis-server and a PostgreSQL DATABASE_URL (the worker must see the test's data)")


def running_job(staff, campaign, *, attempts, silent_for):
    """A job left 生成中 by a worker that stopped beating `silent_for` seconds ago."""
    beat = timezone.now() - timedelta(seconds=silent_for)
    return ExportJob.objects.create(user=staff, campaign=campaign, report="yilan", format="xlsx",
                                    status=ExportStatus.RUNNING, progress=40, attempts=attempts,
                                    started_at=beat, heartbeat_at=beat)


# ---- the sweep, the retry button, the temporary file (no worker) -------------------------------------------------

@pytest.mark.django_db
def test_a_silent_job_is_queued_again_and_completes(campaign, staff, data, settings):
    job = running_job(staff, campaign, attempts=1, silent_for=settings.EXPORT_LOST_AFTER_SECONDS + 1)
    found = services.sweep_lost_exports()
    assert found == {"requeued": [job.pk], "failed": []}
    job.refresh_from_db()  # no broker here: the queued run happened in-process
    assert job.status == ExportStatus.DONE and job.attempts == 2 and job.file.read(2) == b"PK"


@pytest.mark.django_db
def test_a_job_that_still_beats_is_left_alone(campaign, staff, data, settings):
    job = running_job(staff, campaign, attempts=1, silent_for=settings.EXPORT_LOST_AFTER_SECONDS - 5)
    assert services.sweep_lost_exports() == {"requeued": [], "failed": []}
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING


@pytest.mark.django_db
def test_after_three_lost_runs_the_job_fails_with_the_reason_and_a_retry_button(client, campaign, staff, data,
                                                                                settings):
    assert settings.EXPORT_MAX_ATTEMPTS == 3
    job = running_job(staff, campaign, attempts=3, silent_for=settings.EXPORT_LOST_AFTER_SECONDS + 1)
    assert services.sweep_lost_exports() == {"requeued": [], "failed": [job.pk]}
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "已尝试 3 次" in job.error and not job.file
    login(client, staff)
    state = client.get(reverse("export_progress", args=[job.pk])).json()
    assert state["status"] == "failed" and state["retry_url"] and not state["download_url"]
    page = client.get(reverse("exports", args=[campaign.slug])).content.decode()
    assert "已尝试 3 次" in page and f'action="{state["retry_url"]}"' in page and "重试" in page
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 409


@pytest.mark.django_db
def test_run_periodic_runs_the_sweep_once(campaign, staff, data, settings, capsys):
    job = running_job(staff, campaign, attempts=2, silent_for=settings.EXPORT_LOST_AFTER_SECONDS + 1)
    call_command("run_periodic")
    out = capsys.readouterr().out
    assert "sweep-lost-exports：完成" in out and "delete-expired-exports：完成" in out
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.attempts == 3


@pytest.mark.django_db
def test_retry_button_works_for_the_owner_and_is_404_for_anyone_else(client, campaign, staff, reviewer_of_township,
                                                                     data, settings):
    job = running_job(staff, campaign, attempts=3, silent_for=settings.EXPORT_LOST_AFTER_SECONDS + 1)
    services.sweep_lost_exports()
    url = reverse("export_retry", args=[job.pk])
    login(client, reviewer_of_township)
    assert client.post(url).status_code == 404
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.FAILED
    login(client, staff)
    assert client.get(url).status_code == 405  # a write: POST only
    response = client.post(url)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.attempts == 1 and not job.error  # a fresh count of runs
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 200


@pytest.mark.django_db
def test_a_failed_render_leaves_no_file_to_download(client, campaign, staff, data, settings, monkeypatch):
    seen = []

    def half_then_fail(exporter, fmt, target, progress=None):
        Path(target).write_bytes(b"PK half")
        seen.append(target)
        raise OSError("磁盘已满")

    monkeypatch.setattr(services, "render_report", half_then_fail)
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    assert job.status == ExportStatus.FAILED and not job.file
    assert seen and all(Path(t).name.endswith(".part") for t in seen)  # written under a temporary name
    folder = Path(settings.MEDIA_ROOT) / "exports" / str(job.pk)
    assert not folder.exists() or list(folder.iterdir()) == []  # and removed, never renamed into place
    login(client, staff)
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 409


@pytest.mark.django_db(transaction=True)
def test_a_long_step_without_progress_still_beats(campaign, staff, data, settings, monkeypatch):
    settings.EXPORT_HEARTBEAT_SECONDS = 1
    real = services.render_report

    def slow_start(exporter, fmt, target, progress=None):
        time.sleep(2.5)  # e.g. laying out a PDF: no progress callback for a while
        real(exporter, fmt, target, progress=progress)

    monkeypatch.setattr(services, "render_report", slow_start)
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    assert job.status == ExportStatus.DONE
    assert job.heartbeat_at - job.started_at >= timedelta(seconds=2)


# ---- a real worker on a private Redis ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, without persistence, stopped and started by PID."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=open(self.workdir / "redis.log", "a"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def workers():
    """Worker processes started by the test, stopped at its end (by PID)."""
    procs = []
    yield procs
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture
def media(settings):
    settings.MEDIA_ROOT = str(ROOT / "var" / "test-media")
    return settings.MEDIA_ROOT


def fault_env(redis, **extra):
    """The worker's settings on the private Redis; the visibility timeout left long (3 h) so that only the sweep
    can bring a killed worker's job back."""
    env = {**worker_env(visibility=3 * 3600), "REDIS_URL": redis.url, "EXPORT_HEARTBEAT_SECONDS": "1"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env, *args, timeout=120):
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def queue_export(env, staff, campaign, report):
    """Start an export as the site does, in a process whose broker is the private Redis."""
    code = ("from django.contrib.auth import get_user_model; from campaigns.models import Campaign; "
            "from reports import services; import tests.reports.slow_exporter; "
            f"job = services.start_export(user=get_user_model().objects.get(pk={staff.pk}), "
            f"campaign=Campaign.objects.get(pk={campaign.pk}), report='{report}', fmt='xlsx'); print(job.pk)")
    job = ExportJob.objects.get(pk=manage(env, "shell", "-c", code).strip().splitlines()[-1])
    assert job.status == ExportStatus.QUEUED, job.error
    return job


def wait_for_log(path: Path, text: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {text!r} in {path.name}:\n{path.read_text(errors='replace')}")


@pytest.mark.celery
@needs_redis_and_postgres
@pytest.mark.django_db(transaction=True)
def test_worker_reconnects_when_redis_comes_back(tree, campaign, staff, media, workers, private_redis, tmp_path):
    builders.scenario(tree, campaign, staff)
    env = fault_env(private_redis)
    log = tmp_path / "worker.log"
    worker = start_worker(env, open(log, "w"))
    workers.append(worker)
    wait_for_log(log, "ready.", 60)
    private_redis.kill()
    wait_for_log(log, "Connection to broker lost", 30)
    time.sleep(2)
    private_redis.start()  # an empty Redis on the same port, as after a restart without persistence
    job = queue_export(env, staff, campaign, "yilan")
    done = wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).first(), 120,
                    "the reconnected worker to run an export queued after the restart")
    assert done.attempts == 1 and Path(done.file.path).read_bytes().startswith(b"PK")
    assert worker.poll() is None, "the worker exited"
    assert "Unrecoverable error" not in log.read_text(errors="replace")


@pytest.mark.celery
@needs_redis_and_postgres
@pytest.mark.django_db(transaction=True)
def test_sigkilled_worker_job_is_found_by_the_sweep_and_completes(campaign, staff, media, workers, private_redis,
                                                                 tmp_path):
    env = fault_env(private_redis, SLOW_EXPORT_SECONDS="0.25")
    job = queue_export(env, staff, campaign, "slowtest")
    first = start_worker(env, open(tmp_path / "worker1.log", "w"))
    workers.append(first)
    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, progress__gt=0).first(), 90,
             "the first worker to start the export")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    killed_at = time.monotonic()
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING  # what the page would show forever
    # The periodic sweep, with the silence shortened from 120 s to 3 s to keep the test fast.
    sweep_env = {**env, "EXPORT_LOST_AFTER_SECONDS": "3"}

    def swept():
        manage(sweep_env, "run_periodic")
        return ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).first()

    lost = wait_for(swept, 120, "the sweep to see the job lost")
    assert "第 1 次生成中断" in lost.error and time.monotonic() - killed_at < 120
    workers.append(start_worker(env, open(tmp_path / "worker2.log", "w")))
    done = wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).first(), 120,
                    "the second worker to finish the re-queued export")
    back = time.monotonic() - killed_at
    assert done.attempts == 2 and done.progress == 100 and not done.error
    assert Path(done.file.path).read_bytes().startswith(b"PK")
    print(f"killed job back and done after {back:.1f} s")
