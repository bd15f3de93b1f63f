#!/usr/bin/env bash
# The whole test suite. Uses DATABASE_URL / REDIS_URL when set (CI: local PostgreSQL and Redis), SQLite otherwise.
# Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "!! 没有运行任何测试（pytest exit 5），按失败处理。" >&2
  exit 1
fi
exit "$rc"
