"""scripts/setup.sh does what a fresh machine needs and nothing when nothing is missing.

The branches of the script run in a scratch copy with stand-ins for dpkg-query, apt-get and the virtualenv's
python that only record how they were called; the real script is also timed in the project itself, when its last
install is current (as after scripts/test.sh, which runs setup.sh before the tests)."""
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL_BANNER = "安装 Python 依赖"

# Records its arguments; as the base python it also answers --version and creates a virtualenv of itself.
FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$SETUP_LOG"
case "$1" in
  --version) echo "Python 3.11.0" ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi ;;
esac
exit 0
"""
FAKE_DPKG_QUERY = """#!/bin/sh
echo "dpkg-query $*" >> "$SETUP_LOG"
printf 'install ok installed'
"""
FAKE_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$SETUP_LOG"
exit 1
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_tool(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def project(tmp_path):
    """A scratch project: the real setup.sh and pyproject.toml, fake system tools first on PATH, a fake base
    python (PYTHON), and an installed virtualenv whose .installed holds pyproject.toml's sha256."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    tools = tmp_path / "tools"
    write_tool(tools / "dpkg-query", FAKE_DPKG_QUERY)
    write_tool(tools / "apt-get", FAKE_APT_GET)
    write_tool(tools / "python-base", FAKE_PYTHON)
    write_tool(root / ".venv" / "bin" / "python", FAKE_PYTHON)
    (root / ".venv" / ".installed").write_text(sha256(root / "pyproject.toml") + "\n")
    log = tmp_path / "calls.log"
    log.touch()

    def run():
        env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "SETUP_LOG": str(log),
               "PYTHON": str(tools / "python-base")}
        result = subprocess.run(["bash", str(root / "scripts" / "setup.sh")], env=env, capture_output=True,
                                text=True, timeout=60)
        calls = log.read_text()
        log.write_text("")
        return result, calls

    return root, run


def test_nothing_is_installed_when_nothing_is_missing(project):
    root, run = project
    os.utime(root / "pyproject.toml")  # newer than .installed, as in a fresh clone: content decides, not mtime
    result, calls = run()
    assert result.returncode == 0, result.stderr
    assert INSTALL_BANNER not in result.stdout and "安装系统软件包" not in result.stdout
    assert "-m pip" not in calls and "-m venv" not in calls and "apt-get" not in calls
    assert "dpkg-query" in calls  # the system packages were checked
    assert "python manage.py build_pdf_fonts" in calls  # cheap when built: timed in the real run below


@pytest.mark.parametrize("marker", ["", "0" * 64 + "\n", None], ids=["old-empty-marker", "other-hash", "no-marker"])
def test_packages_are_installed_when_pyproject_differs_from_the_last_install(project, marker):
    root, run = project
    if marker is None:
        (root / ".venv" / ".installed").unlink()
    else:
        (root / ".venv" / ".installed").write_text(marker)
    result, calls = run()
    assert result.returncode == 0, result.stderr
    assert INSTALL_BANNER in result.stdout
    assert "python -m pip install -q -e .[dev]" in calls
    assert (root / ".venv" / ".installed").read_text().strip() == sha256(root / "pyproject.toml")
    result, calls = run()  # and once installed, not again
    assert INSTALL_BANNER not in result.stdout and "-m pip" not in calls


def test_a_changed_pyproject_reinstalls(project):
    root, run = project
    with open(root / "pyproject.toml", "a") as f:
        f.write("\n# a new dependency would be here\n")
    result, calls = run()
    assert INSTALL_BANNER in result.stdout and "-m pip install" in calls
    assert (root / ".venv" / ".installed").read_text().strip() == sha256(root / "pyproject.toml")


def test_a_missing_virtualenv_is_created_and_installed(project):
    root, run = project
    shutil.rmtree(root / ".venv")
    result, calls = run()
    assert result.returncode == 0, result.stderr
    assert "创建虚拟环境" in result.stdout and INSTALL_BANNER in result.stdout
    assert "python -m venv .venv" in calls and "python -m pip install -q -e .[dev]" in calls


def test_a_failed_install_is_tried_again(project):
    root, run = project
    (root / ".venv" / ".installed").write_text("")
    write_tool(root / ".venv" / "bin" / "python", FAKE_PYTHON.replace("exit 0", 'case "$*" in *pip*) exit 1;; esac'))
    result, _ = run()
    assert result.returncode != 0
    assert (root / ".venv" / ".installed").read_text() == ""  # not marked installed: the next run installs


def test_the_real_setup_does_nothing_when_all_is_installed():
    """The README's set-up, run again on a machine where everything is installed: no pip, no apt-get, seconds."""
    installed = ROOT / ".venv" / ".installed"
    if not installed.is_file() or installed.read_text().strip() != sha256(ROOT / "pyproject.toml"):
        pytest.skip("scripts/setup.sh has not installed this pyproject.toml yet (scripts/test.sh runs it first)")
    if not (ROOT / "var" / "fonts" / "fonts.json").is_file():
        pytest.skip("the PDF font is not built yet (scripts/setup.sh builds it)")
    began = time.monotonic()
    result = subprocess.run([str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stdout + result.stderr
    assert INSTALL_BANNER not in result.stdout and "安装系统软件包" not in result.stdout, result.stdout
    assert elapsed < 10, f"setup.sh took {elapsed:.1f} s with everything installed"
