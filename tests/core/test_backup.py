"""Backup drill on the database the suite runs on (SQLite or PostgreSQL): make data through the factories and the
services, back up, restore into a new empty database with `manage.py restore` in a fresh process, and find every org,
grade, survey response count, audit entry and export file there. A tampered backup, a backup newer than the code
and a non-empty target are refused."""
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from campaigns.models import Phase
from core import backup
from tests import factories as f
from tests.reports import builders

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def snapshot() -> dict:
    """What must survive a restore, read through the ORM (run in this process and in the restored one)."""
    from django.conf import settings
    from django.db.models import Count

    from audit.models import AuditEntry
    from branches.models import Org
    from reports.models import ExportJob
    from scoring.models import Grade
    from surveys.models import SurveyResponse

    files = {}
    for job in ExportJob.objects.exclude(file="").order_by("pk"):
        path = Path(settings.MEDIA_ROOT) / job.file.name
        files[job.file.name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return {
        "orgs": sorted(Org.objects.values_list("code", "name", "path")),
        "grades": sorted((g.campaign.slug, g.org.code, g.computed_label, g.override_label, str(g.total))
                         for g in Grade.objects.select_related("campaign", "org")),
        "responses": sorted(SurveyResponse.objects.values("org__code").annotate(n=Count("id"))
                            .values_list("org__code", "n")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action", "object_id")),
        "files": files,
    }


def _json(value) -> dict:
    return json.loads(json.dumps(value, default=str))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def data(tree, staff, media):
    """A campaign with grades and responses, survey answers through the service, a user and role through the
    services (audited), an export file in MEDIA_ROOT and two slip files that must stay out of backups."""
    from branches import services as branch_services
    from reports import services as report_services
    from surveys import services as survey_services

    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    builders.scenario(tree, campaign, staff)
    for code in survey_services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=6, actor=staff):
        survey_services.submit_response(code=code, overall=1)
    user = branch_services.create_user(actor=staff, username="drill", full_name="演练员", password="Drill@2026x")
    branch_services.assign_role(actor=staff, user=user, role=f.REVIEWER, org_code="town-a")
    job = report_services.start_export(user=staff, campaign=campaign, report="yilan", fmt="xlsx")
    job.refresh_from_db()
    assert job.file, "the export wrote its file"
    (media / "slips").mkdir()
    (media / "slips" / "vil-2.pdf").write_bytes(b"%PDF codes")
    (media / "二村测评票.pdf").write_bytes(b"%PDF codes")
    state = _json(snapshot())
    assert state["responses"] and state["grades"] and len(state["audit"]) >= 3 and state["files"]
    return state


def site_env(database_url: str, media_root: Path) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "gradingsite.settings", "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media_root), "REDIS_URL": "", "SECRET_KEY": "backup-drill-" + "k" * 40,
            "ALLOWED_HOSTS": "localhost", "SECURE_SSL_REDIRECT": "0", "DEBUG": "0", "PYTHONPATH": str(ROOT)}


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def snapshot_in(env: dict) -> dict:
    code = "import django, json; django.setup(); from tests.core.test_backup import snapshot; " \
           "print(json.dumps(snapshot(), default=str))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def table_count(env: dict) -> int:
    code = "import django; django.setup(); from django.db import connection; " \
           "print(len(connection.introspection.table_names()))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new empty database of the suite's kind: a fresh SQLite file, or a PostgreSQL database created
    for the test and dropped after it."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    s = connection.settings_dict
    name = f"gs_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                            password=s["PASSWORD"] or None, dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def rewrite(source: Path, dest: Path, change) -> None:
    """Copy a backup member by member, `change(name, bytes)` giving each member's new bytes."""
    with tarfile.open(source) as old, tarfile.open(dest, "w") as new:
        for member in old.getmembers():
            body = change(member.name, old.extractfile(member).read())
            member.size = len(body)
            new.addfile(member, io.BytesIO(body))


def test_drill_back_up_destroy_restore(data, media, tmp_path, empty_database):
    out = tmp_path / "drill.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and backup.DUMP_NAMES[connection.vendor] in names
    assert not [n for n in names if "slips" in n or "测评票" in n], "slip files stay out of backups"
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert manifest["migration_heads"].get("audit"), manifest["migration_heads"]
    assert manifest["app_version"] and manifest["created_at"]
    assert manifest["database"]["vendor"] == connection.vendor

    restored_media = tmp_path / "restored-media"
    env = site_env(empty_database, restored_media)
    result = manage(env, "restore", str(out))
    assert result.returncode == 0, result.stderr
    assert "已恢复" in result.stdout
    assert snapshot_in(env) == data
    assert not (restored_media / "slips").exists()
    # Migrated after the restore: nothing left to apply.
    assert manage(env, "check_db", "--migrated").returncode == 0
    # And the restored site is itself a non-empty target now.
    again = manage(env, "restore", str(out))
    assert again.returncode != 0 and "不是空库" in again.stderr and "Traceback" not in again.stderr


def test_tampered_backup_is_refused_and_nothing_written(data, media, tmp_path, empty_database):
    out = tmp_path / "good.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    bad = tmp_path / "tampered.gsbackup"
    dump = backup.DUMP_NAMES[connection.vendor]

    def flip_one_byte(name, body):
        return body[:-1] + bytes([body[-1] ^ 1]) if name == dump else body

    rewrite(out, bad, flip_one_byte)
    env = site_env(empty_database, tmp_path / "restored-media")
    result = manage(env, "restore", str(bad))
    assert result.returncode != 0
    assert "校验和不符" in result.stderr and dump in result.stderr and "Traceback" not in result.stderr
    assert table_count(env) == 0
    assert not (tmp_path / "restored-media").exists()


def test_unlisted_member_is_refused(data, media, tmp_path):
    out = tmp_path / "good.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    bad = tmp_path / "extra.gsbackup"
    rewrite(out, bad, lambda name, body: body)
    with tarfile.open(bad, "a") as archive:
        info = tarfile.TarInfo("media/../../etc/cron.d/x")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="清单之外"):
        call_command("restore", str(bad))


def test_backup_newer_than_the_code_is_refused(data, media, tmp_path):
    out = tmp_path / "good.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    newer = tmp_path / "newer.gsbackup"

    def future_head(name, body):
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest["migration_heads"]["audit"] = ["0999_from_the_future"]
        return json.dumps(manifest).encode()

    rewrite(out, newer, future_head)
    with pytest.raises(CommandError, match="更新的版本.*audit.0999_from_the_future"):
        call_command("restore", str(newer))


def test_non_empty_target_is_refused_and_left_alone(data, media, tmp_path):
    out = tmp_path / "good.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    with pytest.raises(CommandError, match="不是空库"):
        call_command("restore", str(out))
    assert _json(snapshot()) == data


def test_backup_never_overwrites_a_file(media, tmp_path, db):
    out = tmp_path / "exists.gsbackup"
    out.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", output=str(out))
    assert out.read_bytes() == b"keep me"


def test_not_a_backup_is_refused(tmp_path, db):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w") as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(CommandError, match="不是本系统的备份文件"):
        call_command("restore", str(junk))
    (tmp_path / "text").write_text("not a tar")
    with pytest.raises(CommandError, match="无法读取备份文件"):
        call_command("restore", str(tmp_path / "text"))


def test_slip_and_stash_files_are_excluded():
    from pathlib import PurePosixPath as P

    assert backup.excluded_media(P("slips/a.pdf")) and backup.excluded_media(P("imports/x.xlsx"))
    assert backup.excluded_media(P("exports/1/二村测评票.pdf")) and backup.excluded_media(P("x/tokens-vil2.csv"))
    assert not backup.excluded_media(P("exports/1/一览表.xlsx"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is for PostgreSQL")
def test_pg_dump_older_than_the_server_is_refused(media, tmp_path, monkeypatch, db):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (tools / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "old-client.gsbackup"
    with pytest.raises(CommandError, match="pg_dump 版本 9 低于数据库服务器版本"):
        call_command("backup", output=str(out))
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))


def test_missing_member_is_refused(data, media, tmp_path):
    out = tmp_path / "good.gsbackup"
    call_command("backup", output=str(out), stdout=io.StringIO())
    short = tmp_path / "short.gsbackup"
    with tarfile.open(out) as old, tarfile.open(short, "w") as new:
        for member in old.getmembers():
            if not member.name.startswith("media/"):
                new.addfile(member, old.extractfile(member))
    with pytest.raises(CommandError, match="缺少“media/exports/"):
        call_command("restore", str(short))
