#!/usr/bin/env bash
# Installs everything gradingsite needs on Debian: system packages (weasyprint's Pango, the CJK font, chromium for
# the browser tests, zbar for QR decoding in tests, pg_dump/pg_restore for `manage.py backup`/`restore`), a virtualenv
# in .venv, and the Python packages.
# Does only what is missing: when everything is installed it runs no apt-get and no pip, and takes about a second
# (the font check of build_pdf_fonts).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils
              chromium chromium-driver libzbar0 postgresql-client)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> 安装系统软件包: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "!! 缺少系统软件包，且当前用户不是 root、也没有免密 sudo。" >&2
    echo "!! 请让管理员运行：sudo apt-get install -y ${missing[*]}" >&2
    echo "!! 然后重新运行本脚本。" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv ($("$PYTHON" --version))"
  "$PYTHON" -m venv .venv
  rm -f .venv/.installed
fi
# The Python packages are installed again only when pyproject.toml's content differs from the last install (its
# sha256 is kept in .venv/.installed), not when its mtime is newer: a fresh clone or checkout gives every file a new
# mtime, and reinstalling then is a minute of pip for nothing.
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
installed=$(cat .venv/.installed 2>/dev/null || true)
if [ "$wanted" != "$installed" ]; then
  echo "==> 安装 Python 依赖"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$wanted" > .venv/.installed.tmp
  mv .venv/.installed.tmp .venv/.installed
fi
# The PDFs' common CJK font (core/pdf_fonts.py) in var/fonts/: built once (~20 s), then only checked.
# DEBUG=1 only lets the settings load without SECRET_KEY; the command touches neither the database nor the network.
DEBUG=1 .venv/bin/python manage.py build_pdf_fonts
echo "==> 环境就绪"
