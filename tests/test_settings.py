"""Settings come from the environment and fail at start-up when unsafe."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                                                             "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT",
                                                             "SITE_URL"}}
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
        ALLOWED_HOSTS="dj.example.org", SITE_URL="https://dj.example.org",
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
