"""An old database upgrades with its data: the demo county loaded by an old commit, then migrated by this tree.

Models are moving between apps with migrations that keep their tables (db_table unchanged) and rewrite content
types, permissions and the model labels stored in audit_auditentry.object_type. This test builds a database the
way an existing site has one — OLD_COMMIT's own `manage.py migrate` and `manage.py demo`, run from a `git archive`
of that commit — then runs the current tree's `manage.py migrate` on it and checks that nothing was lost and every
stored label names the model's current app. Before any move it checks that the upgrade is a no-op.

PostgreSQL only (the production database; the audit trigger and the relabelling SQL differ on SQLite). Needs git
and OLD_COMMIT in the repository's history (a shallow clone skips). Takes 30–60 s; the steps' timings are printed
(`pytest -s` shows them).
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

# The last commit before the apps were split (scoring → campaigns, publicity, rectification): the schema and
# labels an existing site has today.
OLD_COMMIT = "ccffbf0"

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="migration upgrade test needs PostgreSQL "
                                                        "(set DATABASE_URL=postgres://…)")

# Tables whose row count an upgrade may change: the migration history grows; content types and permissions of
# new models are added (the old ones are checked one by one below).
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

# Prints {model_name: [app_label, ...]} of every installed model, in whichever tree it runs.
MODEL_LABELS = ("import json; from django.apps import apps; labels = {}\n"
                "for m in apps.get_models(include_auto_created=True):\n"
                "    labels.setdefault(m._meta.model_name, []).append(m._meta.app_label)\n"
                "print(json.dumps(labels))")

# Prints where the running code was imported from (the old tree must run its own code, not this one's).
CODE_ROOT = "import scoring, pathlib; print(pathlib.Path(scoring.__file__).resolve().parent.parent)"


@contextlib.contextmanager
def timed(label):
    start = time.monotonic()
    yield
    print(f"[migrations] {label}: {time.monotonic() - start:.1f} s")


def connect(dbname=None):
    """An autocommit psycopg connection to `dbname` on DATABASE_URL's server (default: its maintenance database,
    or DATABASE_URL's own database when there is no `postgres` database)."""
    import psycopg

    db = settings.DATABASES["default"]
    params = {k: v for k, v in {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"),
                                "password": db.get("PASSWORD")}.items() if v}
    if dbname:
        return psycopg.connect(dbname=dbname, autocommit=True, **params)
    for name in ("postgres", db["NAME"]):
        try:
            return psycopg.connect(dbname=name, autocommit=True, **params)
        except psycopg.OperationalError as error:
            last = error
    pytest.skip(f"cannot connect to the PostgreSQL server: {last}")


def database_url(name):
    """DATABASE_URL with its database replaced by `name` (scheme, credentials, host and options kept)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def manage(cwd, env, *args, check=True):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True,
                            check=False, timeout=600)
    if check:
        assert result.returncode == 0, (f"manage.py {' '.join(args)} in {cwd} failed ({result.returncode}):\n"
                                        f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result


def snapshot(conn):
    """What an upgrade must keep: row counts, content types, permissions, audit labels, applied migrations."""
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")
        tables = [row[0] for row in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT id, app_label, model FROM django_content_type")
        content_types = {row[0]: (row[1], row[2]) for row in cur.fetchall()}
        cur.execute("SELECT id, content_type_id, codename FROM auth_permission")
        permissions = {row[0]: (row[1], row[2]) for row in cur.fetchall()}
        cur.execute("SELECT object_type, count(*) FROM audit_auditentry GROUP BY object_type")
        object_types = Counter(dict(cur.fetchall()))
        cur.execute("SELECT app, name FROM django_migrations")
        migrations = set(cur.fetchall())
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'surveys_surveytoken' "
                    "AND column_name = 'used'")
        unused_tokens = None
        if cur.fetchone():
            cur.execute("SELECT count(*) FROM surveys_surveytoken WHERE NOT used")
            unused_tokens = cur.fetchone()[0]
    heads = {}
    for app, name in sorted(migrations):
        heads[app] = name
    return {"counts": counts, "content_types": content_types, "permissions": permissions,
            "object_types": object_types, "migrations": migrations, "heads": heads, "unused_tokens": unused_tokens}


def current_label(model_labels, app_label, model):
    """The app label a stored `app_label.model` names in the current tree, or None when no model of that name is
    installed any more. A model still in its old app keeps it; otherwise the one app that now has a model of
    that name."""
    apps_with_model = model_labels.get(model, [])
    if app_label in apps_with_model:
        return app_label
    if not apps_with_model:
        return None
    assert len(apps_with_model) == 1, (f"{app_label}.{model} moved, but several apps have a model {model!r} "
                                       f"({apps_with_model}): this test cannot tell which one it became")
    return apps_with_model[0]


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory):
    """A database built by OLD_COMMIT (migrate + demo), snapshotted, upgraded by the current tree, snapshotted
    again. Yields the snapshots, the current model labels and what the later steps need; drops the database."""
    try:
        known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{OLD_COMMIT}^{{commit}}"],
                               capture_output=True, check=False, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"git is not available: {error}")
    if known.returncode != 0:
        pytest.skip(f"commit {OLD_COMMIT} is not in the repository (shallow clone?)")

    started = time.monotonic()
    old_tree = tmp_path_factory.mktemp("old-tree")
    with timed("git archive"):
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", OLD_COMMIT],
                                 capture_output=True, check=True, timeout=120)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(old_tree, filter="data")

    server = connect()
    name = f"gs_migration_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server.execute(f'CREATE DATABASE "{name}"')
    # Both trees run as a developer would run them: DEBUG on, no Redis (tasks in-process), nothing on PYTHONPATH.
    # The demo makes no PDFs, so the old tree needs no var/fonts; MEDIA_ROOT keeps any file out of the repository.
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DATABASE_URL=database_url(name), DEBUG="1", MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    try:
        db = connect(name)
        try:
            code_root = manage(old_tree, env, "shell", "-c", CODE_ROOT).stdout.strip().splitlines()[-1]
            assert Path(code_root) == old_tree.resolve(), f"the old tree imported its code from {code_root}"
            with timed(f"migrate ({OLD_COMMIT})"):
                manage(old_tree, env, "migrate", "--no-input", "-v0")
            with timed(f"demo ({OLD_COMMIT})"):
                manage(old_tree, env, "demo")
            before = snapshot(db)
            with timed("migrate (current tree)"):
                migrated = manage(ROOT, env, "migrate", "--no-input")
            after = snapshot(db)
            model_labels = json.loads(manage(ROOT, env, "shell", "-c", MODEL_LABELS).stdout.strip().splitlines()[-1])
            print(f"[migrations] heads at {OLD_COMMIT}: {before['heads']}")
            print(f"[migrations] applied by the current tree:\n{migrated.stdout}")
            yield {"before": before, "after": after, "model_labels": model_labels, "env": env, "db": db}
        finally:
            db.close()
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()
        print(f"[migrations] total: {time.monotonic() - started:.1f} s")


def test_old_data_was_loaded(upgrade):
    """The old tree really built a county (otherwise every check below would pass on an empty database)."""
    before = upgrade["before"]
    assert before["counts"]["branches_org"] >= 150
    assert sum(before["object_types"].values()) > 100
    assert any(app == "scoring" for app, _ in before["content_types"].values())


def test_every_table_keeps_its_rows(upgrade):
    """Every row survives, except the one deliberate deletion: surveys/0007 drops the tokens already used (answering
    now deletes its token, so a used code must not come back as a live one)."""
    before, after = dict(upgrade["before"]["counts"]), upgrade["after"]["counts"]
    if upgrade["before"]["unused_tokens"] is not None:
        before["surveys_surveytoken"] = upgrade["before"]["unused_tokens"]
    missing = sorted(set(before) - set(after))
    assert not missing, f"tables dropped by the upgrade: {missing}"
    changed = {t: (before[t], after[t]) for t in before if t not in GROWING_TABLES and before[t] != after[t]}
    assert not changed, f"row counts changed by the upgrade (before, after): {changed}"
    shrunk = {t: (before[t], after[t]) for t in GROWING_TABLES & set(before) if after[t] < before[t]}
    assert not shrunk, f"tables that may only grow lost rows (before, after): {shrunk}"


def test_applied_migrations_are_kept(upgrade):
    lost = upgrade["before"]["migrations"] - upgrade["after"]["migrations"]
    assert not lost, f"migration history rows lost by the upgrade: {sorted(lost)}"


def test_content_types_keep_their_ids_and_name_the_current_app(upgrade):
    before, after = upgrade["before"]["content_types"], upgrade["after"]["content_types"]
    labels = upgrade["model_labels"]
    wrong = {}
    for pk, (app_label, model) in before.items():
        expected = (current_label(labels, app_label, model) or app_label, model)
        if after.get(pk) != expected:
            wrong[pk] = {"was": (app_label, model), "expected": expected, "now": after.get(pk)}
    assert not wrong, f"content types not kept or not relabelled: {wrong}"
    moved = {f"{a}.{m}": after[pk][0] for pk, (a, m) in before.items() if after[pk][0] != a}
    print(f"[migrations] content types relabelled: {moved or 'none'}")


def test_permissions_keep_their_ids_codenames_and_content_types(upgrade):
    before, after = upgrade["before"]["permissions"], upgrade["after"]["permissions"]
    wrong = {pk: {"was": value, "now": after.get(pk)} for pk, value in before.items() if after.get(pk) != value}
    assert not wrong, f"permissions not kept (content_type_id, codename): {wrong}"


def test_audit_object_types_name_the_current_app(upgrade):
    labels = upgrade["model_labels"]
    expected = Counter()
    for object_type, count in upgrade["before"]["object_types"].items():
        app_label, _, model = object_type.partition(".")
        label = current_label(labels, app_label, model) if model else None
        expected[f"{label}.{model}" if label else object_type] += count
    after = upgrade["after"]["object_types"]
    assert after == expected, (f"audit object_type counts after the upgrade: expected but missing {expected - after}, "
                               f"present but unexpected {after - expected}")


def test_nothing_is_left_to_migrate(upgrade):
    env = upgrade["env"]
    check = manage(ROOT, env, "migrate", "--check", check=False)
    assert check.returncode == 0, f"unapplied migrations after the upgrade:\n{check.stdout}\n{check.stderr}"
    changes = manage(ROOT, env, "makemigrations", "--check", "--dry-run", check=False)
    assert changes.returncode == 0, f"models differ from their migrations:\n{changes.stdout}\n{changes.stderr}"


def test_demo_runs_again_on_the_upgraded_database_and_changes_nothing(upgrade):
    """The demo checks what exists before creating anything, so on the upgraded county it must find all of it:
    a second run that adds rows would mean the upgraded data is not recognised as the same data."""
    with timed("demo (current tree, upgraded database)"):
        result = manage(ROOT, upgrade["env"], "demo")
    assert "已存在，跳过" in result.stdout
    before = upgrade["after"]["counts"]
    now = snapshot(upgrade["db"])["counts"]
    changed = {t: (before.get(t), now.get(t)) for t in sorted(set(before) | set(now)) if before.get(t) != now.get(t)}
    assert not changed, f"the demo's second run changed row counts (before, after): {changed}"
