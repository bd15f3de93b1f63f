"""The exports page, the progress endpoint, downloads and their permissions (tasks run in-process here)."""
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from reports import services
from reports.models import ExportJob, ExportStatus
from tests import factories as f
from tests.conftest import login
from tests.reports.helpers import table

pytestmark = pytest.mark.django_db


def url(campaign):
    return reverse("exports", args=[campaign.slug])


def start(client, campaign, report="yilan", fmt="xlsx", **extra):
    return client.post(url(campaign), {"report": report, "format": fmt, **extra})


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_page_requires_login_and_role(client, campaign, secretary_of_branch, data):
    r = client.get(url(campaign))
    assert r.status_code == 302 and reverse("login") in r["Location"]
    assert start(client, campaign).status_code == 302 and not ExportJob.objects.exists()
    login(client, secretary_of_branch)
    assert client.get(url(campaign)).status_code == 403
    assert start(client, campaign).status_code == 403


def test_staff_exports_and_downloads(client, campaign, staff, data):
    login(client, staff)
    page = client.get(url(campaign))
    assert page.status_code == 200
    body = page.content.decode()
    for title in ("分类定级情况一览表", "分类定级情况汇总表", "三年未发展党员名单", "导出 PDF", "导出 Excel"):
        assert title in body
    r = start(client, campaign)
    job = ExportJob.objects.get()
    assert r.status_code == 302 and str(job.pk) in r["Location"]
    assert job.status == ExportStatus.DONE and job.progress == 100 and job.scope is None
    assert job.expires_at > timezone.now() + timedelta(hours=47)
    state = client.get(reverse("export_progress", args=[job.pk])).json()
    assert state["status"] == "done" and state["progress"] == 100 and state["finished"]
    assert state["download_url"] == reverse("export_download", args=[job.pk])
    d = client.get(state["download_url"])
    assert d.status_code == 200 and job.filename in d["Content-Disposition"]
    header, rows = table(workbook(d).active)
    assert len(rows) == 7
    page = client.get(url(campaign)).content.decode()
    assert "已完成" in page and state["download_url"] in page


def test_staff_pdf_export(client, campaign, staff, data):
    login(client, staff)
    start(client, campaign, "huizong", "pdf")
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE and job.filename.endswith(".pdf")
    d = client.get(reverse("export_download", args=[job.pk]))
    assert b"".join(d.streaming_content).startswith(b"%PDF")


def test_reviewer_export_covers_only_their_subtree(client, campaign, reviewer_of_township, other_reviewer, staff,
                                                  data, tree):
    login(client, reviewer_of_township)
    assert client.get(url(campaign)).status_code == 200
    start(client, campaign)
    job = ExportJob.objects.get()
    assert job.scope == tree["town-a"]
    d = client.get(reverse("export_download", args=[job.pk]))
    header, rows = table(workbook(d).active)
    assert [r[1].value for r in rows] == ["vil-1", "vil-2", "com-1"]
    # asking for another subtree is refused
    start(client, campaign, scope="town-b")
    assert ExportJob.objects.count() == 1
    # another reviewer, and staff, do not see this reviewer's job
    for other in (other_reviewer, staff):
        client.force_login(other)
        assert client.get(reverse("export_progress", args=[job.pk])).status_code == 404
        assert client.get(reverse("export_download", args=[job.pk])).status_code == 404
        assert client.post(reverse("export_retry", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 302


def test_reviewer_outside_campaign_gets_404(client, tree, reviewer_of_township):
    town_b_campaign = f.campaign(tree["town-b"], slug="townb")
    login(client, reviewer_of_township)
    assert client.get(url(town_b_campaign)).status_code == 404
    assert start(client, town_b_campaign).status_code == 404


def test_secretary_gets_403_on_job_urls(client, campaign, staff, secretary_of_branch, data):
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    login(client, secretary_of_branch)
    assert client.get(reverse("export_progress", args=[job.pk])).status_code == 403
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 403


def test_bad_requests_are_explained(client, campaign, staff, data):
    login(client, staff)
    r = start(client, campaign, "nope")
    assert not ExportJob.objects.exists()
    assert "没有报表“nope”" in client.get(r["Location"]).content.decode()
    r = start(client, campaign, "mingxi", "pdf")
    assert "没有 PDF 格式" in client.get(r["Location"]).content.decode()
    assert not ExportJob.objects.exists()


def test_expired_download_says_so_and_cleanup_removes_file(client, campaign, staff, data):
    login(client, staff)
    start(client, campaign)
    job = ExportJob.objects.get()
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    r = client.get(reverse("export_download", args=[job.pk]))
    assert r.status_code == 410 and "已过期" in r.content.decode()
    assert client.get(reverse("export_progress", args=[job.pk])).json()["status"] == "expired"
    out = io.StringIO()
    call_command("cleanup_exports", stdout=out)
    assert "已删除 1 个" in out.getvalue()
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    import os

    assert not os.path.exists(path)
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 410


def test_broker_down_marks_job_and_retry_works(client, campaign, staff, data, settings, monkeypatch):
    from reports import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_export, "apply_async", unreachable)
    login(client, staff)
    r = start(client, campaign)
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.QUEUE_FAILED and "无法连接" in job.error
    page = client.get(r["Location"]).content.decode()
    assert "任务队列（Redis）暂时无法连接" in page and "重试" in page
    assert client.get(reverse("export_progress", args=[job.pk])).json()["retry_url"]
    # the broker is back: retry queues the same job (run in-process here)
    monkeypatch.undo()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.post(reverse("export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and ExportJob.objects.count() == 1


def test_failing_export_is_retried_then_marked_failed(client, campaign, staff, data, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "render_report", broken)
    login(client, staff)
    start(client, campaign)
    job = ExportJob.objects.get()
    assert len(calls) == 3  # the first run and two retries
    assert job.status == ExportStatus.FAILED and "磁盘已满" in job.error
    state = client.get(reverse("export_progress", args=[job.pk])).json()
    assert state["status"] == "failed" and state["retry_url"] and not state["download_url"]
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 409


def test_redelivered_done_job_is_not_run_again(campaign, staff, data):
    job = services.start_export(user=staff, campaign=campaign, report="weifazhan", fmt="xlsx")
    assert job.status == ExportStatus.DONE
    assert services.run_export_job(job_id=job.pk) is None


def test_progress_is_recorded(campaign, staff, data, monkeypatch):
    seen = []
    real = ExportJob.objects.filter

    def spy(*args, **kwargs):
        qs = real(*args, **kwargs)
        orig = qs.update

        def update(**values):
            if "progress" in values:
                seen.append(values["progress"])
            return orig(**values)

        qs.update = update
        return qs

    monkeypatch.setattr(ExportJob.objects, "filter", spy)
    job = services.start_export(user=staff, campaign=campaign, report="cepin", fmt="pdf")
    assert job.status == ExportStatus.DONE and job.progress == 100
    assert seen[0] == 0 and max(seen) >= 99


def test_retry_takes_only_post_and_only_from_the_owner(client, campaign, staff, data, superuser):
    job = services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED)
    login(client, staff)
    assert client.get(reverse("export_retry", args=[job.pk])).status_code == 405
    login(client, superuser)  # staff rights, but not their job
    assert client.post(reverse("export_retry", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    login(client, staff)
    r = client.post(reverse("export_retry", args=[job.pk]))
    assert r.status_code == 302 and str(job.pk) in r["Location"]
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def test_behind_nginx_the_download_is_handed_over_after_the_access_check(client, campaign, staff, data, settings,
                                                                          reviewer_of_township):
    """With DOWNLOAD_ACCEL_PREFIX nginx sends the file (X-Accel-Redirect to its internal location); the site still
    decides who may have it, and names it."""
    settings.DOWNLOAD_ACCEL_PREFIX = "/internal-media/"
    login(client, staff)
    start(client, campaign)
    job = ExportJob.objects.get()
    d = client.get(reverse("export_download", args=[job.pk]))
    assert d.status_code == 200 and d["X-Accel-Redirect"] == "/internal-media/" + job.file.name
    assert d.content == b"" and "attachment;" in d["Content-Disposition"]
    login(client, reviewer_of_township)
    refused = client.get(reverse("export_download", args=[job.pk]))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
