"""Replay: a code counts once, sequentially and under 50 concurrent posts on PostgreSQL and SQLite."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from surveys import services
from surveys.models import StagedResponse

ROOT = Path(__file__).resolve().parents[2]


def test_sequential_replay_is_refused(codes):
    services.submit_response(code=codes[0], overall=1)
    for _ in range(3):
        with pytest.raises(services.TokenUnknown):
            services.submit_response(code=codes[0], overall=3)
    assert StagedResponse.objects.count() == 1


def test_postgres_variant_runs_when_ci_says_so():
    """CI sets DATABASE_URL to PostgreSQL; then the live replay test above must really run, not skip."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"


@pytest.mark.skipif(os.environ.get("GS_SQLITE_TEST_FILE") is not None, reason="already the inner run")
def test_fifty_concurrent_posts_count_once_on_file_sqlite(tmp_path):
    """The same live test on SQLite, with a file test database (IMMEDIATE transactions, busy timeout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["GS_SQLITE_TEST_FILE"] = str(tmp_path / "replay.sqlite3")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nomigrations", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/surveys/replay_live.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
