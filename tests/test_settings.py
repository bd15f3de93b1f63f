"""Settings come from the environment and fail at start-up when unsafe or malformed."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gradingsite import envparse

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "gradingsite" / "settings.py").read_text(encoding="utf-8")
# Every variable settings.py reads (each read is an envparse call with the name first).
SETTINGS_VARIABLES = sorted(set(re.findall(r'envparse\.\w+\(\s*"([A-Z_]+)"', SETTINGS_SOURCE)))
# Left to the outer environment: DATABASE_URL (CI's PostgreSQL; nothing here connects to it).
CLEARED = (set(SETTINGS_VARIABLES) - {"DATABASE_URL"}) | {"DJANGO_SETTINGS_MODULE"}


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=120)


def test_refuses_to_start_without_secret_key_when_debug_off():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY="k" * 30 + "-production-like-secret-with-enough-entropy-93847",
        ALLOWED_HOSTS="dj.example.org", SITE_URL="https://dj.example.org", REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_language_and_time_zone():
    from django.conf import settings

    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_no_broker_means_in_process_tasks():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)",
                        DEBUG="1", REDIS_URL="")
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)",
                        DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/9")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_redis_cache_keeps_one_client_and_really_stores():
    """With REDIS_URL the cache is Redis (gradingsite/cache.py): values round-trip through the real server, and
    the backend reuses one redis-py client instead of building one per call. Needs the Redis of REDIS_URL (CI)."""
    import pytest

    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (the SQLite-only run has no Redis)")
    code = ("from django.core.cache import caches; import uuid; cache = caches['default']; k = 'gs-test-' + uuid.uuid4().hex; "
            "cache.set(k, 41, 30); cache.incr(k); c = cache._cache; "
            "print(type(cache).__module__, cache.get(k), c.get_client() is c.get_client(), "
            "c.get_client().get(cache.make_and_validate_key(k)) is not None); cache.delete(k)")
    result = run_manage("shell", "-c", code, DEBUG="1", REDIS_URL=os.environ["REDIS_URL"])
    assert result.stdout.strip().splitlines()[-1] == "core.cache 42 True True", result.stderr


# --- strict parsing: one process per start-up, as the site would start --------------------------------------------

SECRET = "k" * 30 + "-production-like-secret-with-enough-entropy-93847"
PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "gradingsite.settings"
from django.conf import settings as s
names = ("DEBUG", "ALLOWED_HOSTS", "SITE_URL", "CSRF_TRUSTED_ORIGINS", "DATABASES", "REDIS_URL",
         "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS", "EXPORT_TTL_HOURS", "RATELIMIT_IP_META_KEY",
         "STATIC_ROOT", "MEDIA_ROOT", "PDF_FONT_DIR", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
print(json.dumps({n: getattr(s, n, None) for n in names}, default=str))
"""


def start(**env):
    """Load gradingsite.settings in a fresh process with only `env` of the settings' variables set (a production
    key and host unless given)."""
    base = {k: v for k, v in os.environ.items() if k not in set(SETTINGS_VARIABLES) | {"DJANGO_SETTINGS_MODULE"}}
    base.update({"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "dj.example.org", **env})
    return subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=60)


def started(**env) -> dict:
    result = start(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


BAD_VALUES = [
    # (variable, value, the rest of the environment)
    ("DEBUG", "fasle", {}),
    ("DEBUG", "2", {}),
    ("DEBUG", "enabled", {}),
    ("SECURE_SSL_REDIRECT", "fasle", {"DEBUG": "0"}),
    ("SECURE_SSL_REDIRECT", "ture", {"DEBUG": "1"}),  # checked in development too, before it reaches production
    ("SECURE_HSTS_SECONDS", "1y", {"DEBUG": "0"}),
    ("SECURE_HSTS_SECONDS", "-5", {"DEBUG": "0"}),
    ("DB_PREPARED_STATEMENTS", "nein", {"DEBUG": "1"}),  # checked on SQLite too
    ("CONN_MAX_AGE", "60s", {"DEBUG": "1"}),
    ("CONN_MAX_AGE", "-1", {"DEBUG": "1"}),
    ("CONN_MAX_AGE", "None", {"DEBUG": "1"}),
    ("EXPORT_TTL_HOURS", "2.5", {"DEBUG": "1"}),
    ("EXPORT_TTL_HOURS", "0", {"DEBUG": "1"}),
    ("CELERY_VISIBILITY_TIMEOUT", "2h", {"DEBUG": "1"}),
    ("EXPORT_HEARTBEAT_SECONDS", "15s", {"DEBUG": "1"}),
    ("EXPORT_LOST_AFTER_SECONDS", "0", {"DEBUG": "1"}),
    ("SESSION_IDLE_MINUTES", "30m", {"DEBUG": "1"}),
    ("SESSION_IDLE_MINUTES", "0", {"DEBUG": "1"}),
    ("ALLOWED_HOSTS", ",", {"DEBUG": "0"}),
    ("SITE_URL", "dj.example.org", {"DEBUG": "1"}),
    ("SITE_URL", "ftp://dj.example.org", {"DEBUG": "1"}),
    ("SITE_URL", "https://", {"DEBUG": "1"}),
    ("CSRF_TRUSTED_ORIGINS", "https://dj.example.org,dj2.example.org", {"DEBUG": "1"}),
    ("DATABASE_URL", "postgress://gs@db.example.org/gs", {"DEBUG": "1"}),
    ("DATABASE_URL", "mysql://gs@db.example.org/gs", {"DEBUG": "1"}),
    ("DATABASE_URL", "postgres://gs@db.example.org", {"DEBUG": "1"}),
    ("DATABASE_URL", "var/db.sqlite3", {"DEBUG": "1"}),
    ("REDIS_URL", "reddis://127.0.0.1:6379/0", {"DEBUG": "1"}),
    ("REDIS_URL", "127.0.0.1:6379", {"DEBUG": "1"}),
    ("RATELIMIT_IP_META_KEY", "X-Forwarded-For", {"DEBUG": "1"}),
    ("HEALTHZ_TOKEN", "short", {"DEBUG": "1"}),
    ("HEALTHZ_TOKEN", "with spaces and more than twenty", {"DEBUG": "1"}),
    ("STATIC_ROOT", "staticfiles", {"DEBUG": "1"}),
    ("MEDIA_ROOT", "var/media", {"DEBUG": "1"}),
    ("PDF_FONT_DIR", "fonts", {"DEBUG": "1"}),
]


@pytest.mark.parametrize(("name", "value", "rest"), BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_a_malformed_value_refuses_to_start_naming_the_variable(name, value, rest):
    result = start(**{**rest, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}={value!r}" in result.stderr, result.stderr[-2000:]


def test_every_variable_of_the_settings_is_in_a_bad_value_case():
    """Each variable that has a format is refused when malformed (SECRET_KEY is free text)."""
    assert set(SETTINGS_VARIABLES) - {name for name, _, _ in BAD_VALUES} == {"SECRET_KEY"}


def test_a_url_password_is_not_printed():
    result = start(DEBUG="1", DATABASE_URL="postgress://gs:hunter2secret@db.example.org/gs")
    assert result.returncode != 0 and "DATABASE_URL='postgress://gs:***@db.example.org/gs'" in result.stderr
    assert "hunter2secret" not in result.stderr
    result = start(DEBUG="1", REDIS_URL="reddis://:hunter2secret@127.0.0.1:6379/0")
    assert result.returncode != 0 and "hunter2secret" not in result.stderr


def test_good_values_parse():
    got = started(
        DEBUG=" Yes ", CONN_MAX_AGE="0", EXPORT_TTL_HOURS="72", CELERY_VISIBILITY_TIMEOUT="30",
        ALLOWED_HOSTS="a.example.org, b.example.org,", SITE_URL="https://a.example.org/",
        CSRF_TRUSTED_ORIGINS="https://a.example.org, https://b.example.org",
        DATABASE_URL="postgres://gs:p%40ss@db.example.org:5433/gs?sslmode=require", DB_PREPARED_STATEMENTS="OFF",
        REDIS_URL="rediss://:pw@r.example.org:6380/2", RATELIMIT_IP_META_KEY="HTTP_X_FORWARDED_FOR",
        STATIC_ROOT="/srv/gs/static", MEDIA_ROOT="/srv/gs/media", PDF_FONT_DIR="/srv/gs/fonts",
    )
    db = got["DATABASES"]["default"]
    assert got["DEBUG"] is True
    assert got["ALLOWED_HOSTS"] == ["a.example.org", "b.example.org"]
    assert got["SITE_URL"] == "https://a.example.org"
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://a.example.org", "https://b.example.org"]
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql", "gs", "gs", "p@ss", "db.example.org", 5433)
    assert db["OPTIONS"] == {"sslmode": "require"}  # DB_PREPARED_STATEMENTS=OFF: no prepare threshold
    assert db["CONN_MAX_AGE"] == 0
    assert got["REDIS_URL"] == "rediss://:pw@r.example.org:6380/2" and got["CELERY_TASK_ALWAYS_EAGER"] is False
    assert got["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"visibility_timeout": 30}
    assert got["EXPORT_TTL_HOURS"] == 72
    assert got["RATELIMIT_IP_META_KEY"] == "HTTP_X_FORWARDED_FOR"
    assert (got["STATIC_ROOT"], got["MEDIA_ROOT"], got["PDF_FONT_DIR"]) == (
        "/srv/gs/static", "/srv/gs/media", "/srv/gs/fonts")


def test_production_booleans_and_blank_values():
    got = started(DEBUG="off", SECURE_SSL_REDIRECT="FALSE", SECURE_HSTS_SECONDS="0", CONN_MAX_AGE="",
                  REDIS_URL=" ", DB_PREPARED_STATEMENTS="1", RATELIMIT_IP_META_KEY="")
    assert got["DEBUG"] is False and got["SECURE_SSL_REDIRECT"] is False and got["SECURE_HSTS_SECONDS"] == 0
    assert got["DATABASES"]["default"]["CONN_MAX_AGE"] == 60  # blank = unset: the default
    assert got["REDIS_URL"] == "" and got["CELERY_TASK_ALWAYS_EAGER"] is True
    assert got["RATELIMIT_IP_META_KEY"] is None
    defaults = started(DEBUG="0")
    assert defaults["SECURE_SSL_REDIRECT"] is True and defaults["SECURE_HSTS_SECONDS"] == 31536000
    assert defaults["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_settings_read_the_environment_only_through_envparse():
    assert not re.search(r"\bos\.(environ|getenv)|\bimport environ\b|\benviron\.", SETTINGS_SOURCE)


def test_every_variable_is_documented_in_the_settings_docstring_and_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Settings"):].split("\n## ", 1)[0]
    docstring = SETTINGS_SOURCE.split('"""')[1]
    for name in SETTINGS_VARIABLES:
        assert f"| `{name}` |" in table, f"{name} is not in README's settings table"
        assert name in docstring, f"{name} is not in the settings docstring"


# --- envparse itself ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("True", True), ("1", True), ("yes", True), ("YES", True), ("on", True),
    ("On", True), (" on ", True), ("false", False), ("False", False), ("0", False), ("no", False), ("No", False),
    ("off", False), ("OFF", False), ("", "default"), ("  ", "default"), (None, "default"),
])
def test_boolean_spellings(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("GS_FLAG", raising=False)
    else:
        monkeypatch.setenv("GS_FLAG", raw)
    for default in (True, False):
        assert envparse.boolean("GS_FLAG", default=default) is (default if expected == "default" else expected)


@pytest.mark.parametrize("raw", ["fasle", "ture", "2", "-1", "y", "n", "t", "f", "enable", "null", "none", "0.0"])
def test_boolean_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("GS_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"GS_FLAG={raw!r}")):
        envparse.boolean("GS_FLAG", default=False)


@pytest.mark.parametrize(("raw", "kwargs", "expected"), [
    ("0", {}, 0), ("42", {"minimum": 1}, 42), ("-3", {}, -3), (" 7 ", {}, 7), ("10", {"maximum": 10}, 10),
    ("0.5", {}, ImproperlyConfigured), ("1e3", {}, ImproperlyConfigured), ("1_000", {}, ImproperlyConfigured),
    ("ten", {}, ImproperlyConfigured), ("0", {"minimum": 1}, ImproperlyConfigured),
    ("11", {"maximum": 10}, ImproperlyConfigured), ("+5", {}, ImproperlyConfigured),
])
def test_integer(monkeypatch, raw, kwargs, expected):
    monkeypatch.setenv("GS_NUMBER", raw)
    if expected is ImproperlyConfigured:
        with pytest.raises(ImproperlyConfigured, match=re.escape(f"GS_NUMBER={raw.strip()!r}")):
            envparse.integer("GS_NUMBER", default=5, **kwargs)
    else:
        assert envparse.integer("GS_NUMBER", default=5, **kwargs) == expected


def test_choice(monkeypatch):
    monkeypatch.delenv("GS_MODE", raising=False)
    assert envparse.choice("GS_MODE", ("fast", "safe"), default="safe") == "safe"
    monkeypatch.setenv("GS_MODE", "FAST")
    assert envparse.choice("GS_MODE", ("fast", "safe"), default="safe") == "fast"
    monkeypatch.setenv("GS_MODE", "quick")
    with pytest.raises(ImproperlyConfigured, match=r"GS_MODE='quick'.*one of fast, safe"):
        envparse.choice("GS_MODE", ("fast", "safe"), default="safe")


def test_lists_and_urls(monkeypatch):
    monkeypatch.setenv("GS_HOSTS", " a.org ,b.org,, ")
    assert envparse.string_list("GS_HOSTS", default=[]) == ["a.org", "b.org"]
    monkeypatch.setenv("GS_HOSTS", " , ,")
    with pytest.raises(ImproperlyConfigured, match="GS_HOSTS"):
        envparse.string_list("GS_HOSTS", default=[])
    monkeypatch.setenv("GS_URL", "HTTPS://a.org/x")
    assert envparse.url("GS_URL", default="", schemes=("http", "https")) == "HTTPS://a.org/x"
    for bad in ("https:a.org", "https://", "http://[::1", "//a.org", "a.org"):
        monkeypatch.setenv("GS_URL", bad)
        with pytest.raises(ImproperlyConfigured, match="GS_URL"):
            envparse.url("GS_URL", default="", schemes=("http", "https"))


# --- the system check gradingsite.W001 ----------------------------------------------------------------------------

def test_warns_when_debug_is_off_and_no_redis():
    result = run_manage("check", DEBUG="0", SECRET_KEY=SECRET, ALLOWED_HOSTS="dj.example.org")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "gradingsite.W001" in out
    assert "tasks would run in-process inside web requests; set REDIS_URL" in out and "未设置 REDIS_URL" in out


@pytest.mark.parametrize("env", [
    {"DEBUG": "0", "REDIS_URL": "redis://127.0.0.1:6379/0"},
    {"DEBUG": "1"},
], ids=["redis-set", "debug-on"])
def test_no_broker_warning_otherwise(env):
    result = run_manage("check", SECRET_KEY=SECRET, ALLOWED_HOSTS="dj.example.org", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gradingsite.W001" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
