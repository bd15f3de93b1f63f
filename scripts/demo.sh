#!/usr/bin/env bash
# First run: install everything, load the demo county into SQLite, and start the site on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export DEBUG=${DEBUG:-1}
PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT}}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo
echo
echo "==> 网站地址: http://127.0.0.1:${PORT}/  （按 Ctrl+C 停止）"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
