"""Celery tasks of the reports app. The export task is idempotent (a job already done is skipped), so a message
redelivered after a worker died (acks_late + reject_on_worker_lost) simply runs the export again."""
from celery import shared_task

from reports import services
from reports.queue import RUN_EXPORT

MAX_RETRIES = 2


@shared_task(name=RUN_EXPORT, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def run_export(self, job_id: str):
    """Run one export job; on an error retry up to MAX_RETRIES times (after 5 s, 10 s), then mark it failed."""
    try:
        services.run_export_job(job_id=job_id)
    except Exception as exc:
        attempt = self.request.retries + 1
        if self.request.retries < self.max_retries:
            services.note_retry(job_id=job_id, error=str(exc) or type(exc).__name__, attempt=attempt,
                                limit=self.max_retries)
            if self.request.is_eager:  # no broker: retry here and now (Celery's eager retry would re-raise)
                result = run_export.apply(args=[job_id], retries=attempt, throw=False)
                if result.failed():
                    raise result.result
                return
            raise self.retry(exc=exc, countdown=5 * attempt)
        services.mark_failed(job_id=job_id, error=str(exc) or type(exc).__name__)
        raise


@shared_task
def delete_expired_exports():
    """Periodic clean-up (celery beat or cron via `manage.py cleanup_exports`)."""
    return services.delete_expired_exports()


@shared_task
def sweep_lost_exports():
    """Periodic (celery beat every 30 s, or `manage.py run_periodic`): queue again the jobs whose worker died."""
    found = services.sweep_lost_exports()
    return {key: [str(pk) for pk in ids] for key, ids in found.items()}
