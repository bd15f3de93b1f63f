"""The export task by name. reports.services queues jobs through here and reports.tasks defines the task under
the same name, so the services and the task module do not import each other (the task module imports the
services it runs). The task is found in the Celery app's registry, where reports.apps registers it in every
process."""
from celery import current_app
from django.conf import settings

RUN_EXPORT = "reports.tasks.run_export"
# A broker that does not answer is retried briefly, then the job is marked 未能排队 (reports.services.enqueue).
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def send_run_export(job_id: str):
    """Put the export of job `job_id` on the queue; raises when the broker stays unreachable. Without a broker
    (CELERY_TASK_ALWAYS_EAGER) run the task here and now, retries included, and return its EagerResult (a final
    failure is recorded on the job by the task and not raised)."""
    task = current_app.tasks[RUN_EXPORT]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return task.apply(args=[job_id], throw=False)
    return task.apply_async(args=[job_id], retry=True, retry_policy=SEND_RETRY_POLICY)
