"""Write paths of the reports app: start an export, run it (from the Celery task), retry, find jobs whose worker
died, clean up expired files.
Every function is keyword-only and leaves the job in a state the page can explain in Chinese."""
import logging
import os
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record
from reports import queue
from reports.exporters import REGISTRY, get_exporter
from reports.models import ExportFormat, ExportJob, ExportStatus, export_upload_to

log = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = "任务队列（Redis）暂时无法连接，导出没有开始。请稍后点击“重试”；如果一直失败，请联系系统管理员。"


class ExportError(ValueError):
    """A request that cannot become an export (unknown report, a format the report has not)."""


def render_report(exporter, fmt: str, target, progress=None) -> None:
    """Write `exporter` in `fmt` ("xlsx" or "pdf") to `target` (a path or a binary file)."""
    if fmt == ExportFormat.XLSX:
        from reports.writers.xlsx import write_xlsx

        write_xlsx(exporter, target, progress=progress)
    elif fmt == ExportFormat.PDF:
        if not exporter.has_pdf:
            raise ExportError(f"“{exporter.title}”没有 PDF 格式，请选择 Excel。")
        from reports.writers.pdf import write_pdf

        write_pdf(exporter, target, progress=progress)
    else:
        raise ExportError(f"不支持的格式“{fmt}”，请选择 xlsx 或 pdf。")


def check_request(report: str, fmt: str):
    """The exporter class for (report, format), or ExportError with a message naming what is wrong."""
    if report not in REGISTRY:
        raise ExportError(f"没有报表“{report}”。可选：{'、'.join(REGISTRY)}。")
    cls = get_exporter(report)
    if fmt not in ExportFormat.values:
        raise ExportError(f"不支持的格式“{fmt}”，请选择 xlsx 或 pdf。")
    if fmt == ExportFormat.PDF and not cls.has_pdf:
        raise ExportError(f"“{cls.title}”没有 PDF 格式，请选择 Excel。")
    return cls


def start_export(*, user, campaign, report: str, fmt: str, scope=None) -> ExportJob:
    """Create the job and put it on the queue. With the broker unreachable the job is kept, marked 未能排队 with
    QUEUE_DOWN_MESSAGE, and can be retried; with no broker configured the task runs here and now."""
    check_request(report, fmt)
    job = ExportJob.objects.create(user=user, campaign=campaign, report=report, format=fmt, scope=scope)
    record(actor=user, action="export.request", obj=job, campaign_id=campaign.pk,
           object_repr=f"{get_exporter(report).title} {fmt}", after={"report": report, "format": fmt,
                                                                      "scope": scope.code if scope else ""})
    return enqueue(job=job)


def enqueue(*, job: ExportJob) -> ExportJob:
    """Send the job to the Celery queue (again). Returns the job as it now stands."""
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUED, error="", progress=0)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker: run here and now, retries included; a final failure is recorded on the job by the task.
        result = queue.send_run_export(str(job.pk))
        if result.failed():
            log.warning("export %s failed in-process: %s", job.pk, result.result)
    else:
        try:
            queue.send_run_export(str(job.pk))
        except Exception as exc:  # kombu.OperationalError, redis ConnectionError, socket errors
            log.warning("export %s could not be queued: %s", job.pk, exc)
            ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUE_FAILED, error=QUEUE_DOWN_MESSAGE)
    job.refresh_from_db()
    return job


def retry_export(*, job: ExportJob) -> ExportJob:
    """Queue a failed (or never queued) job again, with a fresh expiry."""
    if job.status not in (ExportStatus.FAILED, ExportStatus.QUEUE_FAILED):
        raise ExportError("只有失败或未能排队的导出可以重试。")
    ExportJob.objects.filter(pk=job.pk).update(
        attempts=0, expires_at=timezone.now() + timedelta(hours=settings.EXPORT_TTL_HOURS))
    return enqueue(job=job)


def run_export_job(*, job_id, progress_step: int = 1) -> ExportJob | None:
    """Run the export of job `job_id`: status 生成中 with progress and a heartbeat, then the file and 已完成. A job
    already done or given up (a redelivered message) is left alone and None returned. Exceptions propagate (the
    task retries); the job is then back in 排队中 with the error noted, or 失败 when the task gives up
    (mark_failed). The file is written under a temporary name and renamed when complete, so the download never
    sees half of it."""
    job = ExportJob.objects.select_related("campaign__root", "scope").filter(pk=job_id).first()
    if job is None or job.status in (ExportStatus.DONE, ExportStatus.EXPIRED, ExportStatus.FAILED):
        return None
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=0, started_at=now,
                                               heartbeat_at=now, attempts=job.attempts + 1, error="")
    exporter = get_exporter(job.report)(job.campaign, scope=job.scope)
    last = {"pct": -1}

    def progress(done, total):
        pct = min(99, int(done * 100 / total)) if total else 0
        if pct >= last["pct"] + progress_step:
            last["pct"] = pct
            ExportJob.objects.filter(pk=job.pk).update(progress=pct, heartbeat_at=timezone.now())

    name = exporter.filename(job.format)
    with _heartbeat(job.pk):
        stored = _write_output(job, exporter, name, progress)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.file and job.file.name != stored:
            job.file.delete(save=False)
        job.file.name = stored
        job.filename = name
        job.status = ExportStatus.DONE
        job.progress = 100
        job.finished_at = timezone.now()
        job.error = ""
        job.save()
    return job


def _write_output(job: ExportJob, exporter, name: str, progress) -> str:
    """Render the report beside its final place under a temporary name, then rename it there (one atomic step on
    the same file system). Returns the storage name of the finished file; nothing is left behind on an error."""
    storage = job.file.storage
    stored = storage.generate_filename(export_upload_to(job, name))
    final = Path(storage.path(stored))
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        render_report(exporter, job.format, str(part), progress=progress)
        os.replace(part, final)
    finally:
        part.unlink(missing_ok=True)
    return stored


@contextmanager
def _heartbeat(job_id):
    """While the block runs, write the job's heartbeat every EXPORT_HEARTBEAT_SECONDS (from a thread, so a long
    step without progress still beats)."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.EXPORT_HEARTBEAT_SECONDS):
                try:
                    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
                        heartbeat_at=timezone.now())
                except Exception as exc:  # a database blip: the next beat tries again
                    log.warning("export %s heartbeat not written: %s", job_id, exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"export-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def lost_reason(attempts: int) -> str:
    return (f"导出中断：执行导出的后台进程没有响应，已尝试 {attempts} 次仍未完成，不再自动重试。"
            "请点击“重试”；如果仍然失败，请联系系统管理员。")


def sweep_lost_exports(*, now=None, silence: int | None = None) -> dict:
    """Find running jobs whose heartbeat has been silent for `silence` seconds (EXPORT_LOST_AFTER_SECONDS): their
    worker died. Each is queued again while it has had fewer than EXPORT_MAX_ATTEMPTS runs, else marked 失败
    with lost_reason (the page offers 重试). Safe to run from several places at once: a job is taken by one
    conditional update. Returns {"requeued": [ids], "failed": [ids]}."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.EXPORT_LOST_AFTER_SECONDS if silence is None else silence)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    found = {"requeued": [], "failed": []}
    for job in ExportJob.objects.filter(silent, status=ExportStatus.RUNNING):
        mine = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, heartbeat_at=job.heartbeat_at,
                                        attempts=job.attempts)
        if job.attempts >= settings.EXPORT_MAX_ATTEMPTS:
            if mine.update(status=ExportStatus.FAILED, finished_at=now, error=lost_reason(job.attempts)):
                log.warning("export %s lost %s times: failed", job.pk, job.attempts)
                found["failed"].append(job.pk)
            continue
        note = (f"第 {job.attempts} 次生成中断（执行导出的后台进程没有响应），已自动重新排队"
                f"（最多 {settings.EXPORT_MAX_ATTEMPTS} 次）。")
        if mine.update(status=ExportStatus.QUEUED, error=note):
            log.warning("export %s lost (attempt %s): queued again", job.pk, job.attempts)
            found["requeued"].append(job.pk)
            _send_again(job.pk, note)
    return found


def _send_again(job_id, note: str) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        result = queue.send_run_export(str(job_id))
        if result.failed():
            log.warning("export %s failed in-process: %s", job_id, result.result)
        return
    try:
        queue.send_run_export(str(job_id))
    except Exception as exc:  # the broker is down: the job keeps a retry button
        log.warning("export %s could not be queued again: %s", job_id, exc)
        ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED, error=note).update(
            status=ExportStatus.QUEUE_FAILED, error=QUEUE_DOWN_MESSAGE)


def note_retry(*, job_id, error: str, attempt: int, limit: int) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.DONE).update(
        status=ExportStatus.QUEUED, error=f"第 {attempt} 次生成失败（{error}），将自动重试（最多 {limit} 次）。")


def mark_failed(*, job_id, error: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.DONE).update(
        status=ExportStatus.FAILED, finished_at=timezone.now(), error=f"导出失败：{error}。请点击“重试”，或联系系统管理员。")


def delete_expired_exports(*, now=None) -> int:
    """Delete the files of every job past its expiry and mark it 已过期. Returns how many files were removed."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportStatus.EXPIRED):
        if job.file:
            job.file.delete(save=False)
            count += 1
        job.file = ""
        job.status = ExportStatus.EXPIRED
        job.save(update_fields=["file", "status"])
    return count
