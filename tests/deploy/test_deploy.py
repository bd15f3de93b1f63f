"""The deployment as written in deploy/: the systemd units' ExecStartPre/ExecStart lines (paths substituted) started
against a new PostgreSQL database and a private redis-server, with the settings of deploy/env.example, then a smoke
journey over HTTP: the login page, logging in, the campaign list, an export queued and finished by the real worker,
and /healthz seeing the worker's heartbeat. Also: every unit refuses a database that does not answer with one
line, env.example lists every setting, and `nginx -t` accepts the site (where nginx is installed).

The journey needs a PostgreSQL DATABASE_URL (the database server; the test creates and drops its own database) and
redis-server; it is skipped otherwise."""
import configparser
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.deploy.services import RedisServer, free_port, port_open, redis_available, wait_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = {name: DEPLOY / "systemd" / f"gradingsite-{name}.service" for name in ("web", "worker", "beat")}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
HEALTHZ_TOKEN = "deploy-test-probe-" + uuid.uuid4().hex
REFUSED_DATABASE = f"postgres://gradingsite@127.0.0.1:{free_port()}/gradingsite"


# The unit files ------------------------------------------------------------------------------------------------

def unit_commands(unit: Path, substitutions: dict[str, str]) -> dict[str, list[list[str]]]:
    """The Exec* lines of a unit's [Service] section, each as an argument list: systemd's `%%` unescaped, its
    command prefixes (-, @, +, !, :) dropped and the deployment paths replaced by the test's."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(unit, encoding="utf-8")
    commands: dict[str, list[list[str]]] = {}
    for key in ("ExecStartPre", "ExecStart"):
        if key not in parser["Service"]:
            continue
        for line in parser["Service"][key].splitlines():
            line = line.strip().lstrip("-@+!:").replace("%%", "%")
            for old, new in substitutions.items():
                line = line.replace(old, new)
            if line:
                commands.setdefault(key, []).append(shlex.split(line))
    return commands


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def substitutions(var: Path) -> dict[str, str]:
    return {"/srv/gradingsite": str(ROOT), "/var/lib/gradingsite": str(var)}


def test_units_run_the_project_tools_from_the_code_directory(tmp_path):
    for name, unit in UNITS.items():
        commands = unit_commands(unit, substitutions(tmp_path))
        (start,) = commands["ExecStart"]
        assert Path(start[0]).is_file(), f"{name}: {start[0]} is not installed"
        text = unit.read_text()
        assert "EnvironmentFile=/etc/gradingsite/env" in text and "WorkingDirectory=/srv/gradingsite" in text
        assert "Restart=" in text
    assert unit_commands(UNITS["worker"], {})["ExecStart"][0][-3] == "worker@%h"


def test_env_example_lists_every_setting():
    read = set(re.findall(r'envparse\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', (ROOT / "gradingsite/settings.py").read_text()))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]*)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    listed = set(read_env_file(DEPLOY / "env.example"))
    assert read - listed == set(), "settings missing from deploy/env.example"
    assert listed - read == set(), "deploy/env.example lists a variable nothing reads"


# A refused database --------------------------------------------------------------------------------------------

def base_env(var: Path, **overrides) -> dict:
    """deploy/env.example with the test's paths and secrets; no variable of the test run leaks in."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env.update(read_env_file(DEPLOY / "env.example"))
    env.update({
        "SECRET_KEY": "deploy-test-" + uuid.uuid4().hex * 2, "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(var / "static"), "MEDIA_ROOT": str(var / "media"), "PDF_FONT_DIR": str(ROOT / "var/fonts"),
        "HEALTHZ_TOKEN": HEALTHZ_TOKEN, "GUNICORN_WORKERS": "2", "PYTHONUNBUFFERED": "1",
        # The journey downloads its export from gunicorn itself; X-Accel-Redirect is tested in tests/reports.
        "DOWNLOAD_ACCEL_PREFIX": "",
    })
    env.update(overrides)
    return env


@pytest.mark.parametrize("unit", ["web", "worker"])
def test_unit_refuses_a_database_that_does_not_answer_with_one_line(unit, tmp_path):
    env = base_env(tmp_path, DATABASE_URL=REFUSED_DATABASE, GUNICORN_BIND=f"127.0.0.1:{free_port()}",
                   REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    commands = unit_commands(UNITS[unit], substitutions(tmp_path))
    for command in [*commands.get("ExecStartPre", []), *commands["ExecStart"]]:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        lines = [line for line in (result.stdout + result.stderr).splitlines() if "数据库无法连接" in line]
        assert result.returncode != 0, f"{command[:3]} started without a database"
        assert len(lines) == 1 and "database unreachable" in lines[0], result.stderr
        assert "Traceback" not in result.stderr, result.stderr


# The journey ---------------------------------------------------------------------------------------------------

class Browser:
    """HTTP/1.1 to one host with a cookie jar that, like a browser behind TLS, sends the site's Secure cookies."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        head = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form={"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form},
                            **kw)


def _pg_admin():
    import psycopg
    from django.conf import settings

    s = settings.DATABASES["default"]
    conn = psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                           password=s["PASSWORD"] or None, dbname="postgres", autocommit=True)
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return conn, f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"


@pytest.fixture
def database():
    """A new empty PostgreSQL database on the server of DATABASE_URL, dropped afterwards."""
    admin, base = _pg_admin()
    name = f"gs_deploy_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def processes():
    """Started processes, each in its own session: ended by their PID (SIGTERM, then SIGKILL)."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


SEED = """
import django; django.setup()
from campaigns.models import Phase
from tests import factories as f
from tests.reports import builders
tree = f.county()
staff = f.user("staff", f.STAFF, first_name="组织部小王")
campaign = f.campaign(tree["county"], slug="smoke2026", name="烟雾测试县2026年度分类定级", phase=Phase.REVIEW)
builders.scenario(tree, campaign, staff)
print("seeded")
"""


def run(command, env, what, expect=0):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == expect, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def prepare_database(env: dict, web: dict, worker: dict) -> None:
    """The first start: the web unit's ExecStartPre refuses an unmigrated database with one line; the owner
    migrates; static files are collected; the test's people and campaign are made; every ExecStartPre passes."""
    (pre,) = web["ExecStartPre"]
    refused = run(pre, env, "check_db before migrate", expect=4)
    assert "manage.py migrate" in refused.stderr and "Traceback" not in refused.stderr
    python = str(ROOT / ".venv/bin/python")
    run([python, "manage.py", "migrate", "--noinput"], env, "migrate")
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")
    run([python, "-c", SEED], {**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "gradingsite.settings"},
        "seed data")
    for command in [*web.get("ExecStartPre", []), *worker.get("ExecStartPre", [])]:
        run(command, env, f"ExecStartPre {command[2:]}")


def start_units(units: dict, env: dict, var: Path, processes: list):
    """Start each unit's ExecStart; returns a check that raises (with the log) if one of them has exited."""
    logs = {}
    for name, unit in units.items():
        (command,) = unit["ExecStart"]
        logs[name] = var / f"{name}.log"
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(logs[name], "w"),
                                          stderr=subprocess.STDOUT, start_new_session=True))

    def alive():
        for proc, name in zip(processes, logs, strict=True):
            assert proc.poll() is None, f"{name} exited {proc.returncode}:\n{log_tail(logs[name])}"
        return True
    return logs, alive


def log_in(browser: Browser) -> None:
    response, body = browser.get("/login/")
    assert response.status == 200 and "登录" in body.decode() and "csrftoken" in browser.cookies
    response, _ = browser.post("/login/", {"username": "staff", "password": "pw-wrong"})
    assert response.status == 200 and "sessionid" not in browser.cookies
    response, _ = browser.post("/login/", {"username": "staff", "password": "pw-staff"})
    assert response.status == 302 and "sessionid" in browser.cookies


def export_through_the_worker(browser: Browser, alive) -> bytes:
    response, _ = browser.post("/campaigns/smoke2026/exports/", {"report": "yilan", "format": "xlsx"})
    assert response.status == 302
    job = re.search(r"job=([0-9a-f-]{36})", response.headers["Location"]).group(1)

    def finished():
        alive()
        state = json.loads(browser.get(f"/exports/{job}/progress/")[1])
        assert state["status"] not in ("failed", "queue_failed"), state
        return state if state["status"] == "done" else None
    state = wait_until(finished, 120, "the worker to finish the export", interval=0.5)
    response, body = browser.get(urlsplit(state["download_url"]).path)
    assert response.status == 200
    return body


@pytest.mark.celery
@pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL DATABASE_URL (the server the test creates a database on)")
@pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")
def test_units_serve_a_smoke_journey_with_a_real_worker(tmp_path, database, redis_server, processes):
    var = tmp_path / "var"
    var.mkdir()
    port = free_port()
    env = base_env(var, DATABASE_URL=database, REDIS_URL=redis_server.url(14), GUNICORN_BIND=f"127.0.0.1:{port}",
                   ALLOWED_HOSTS="127.0.0.1,localhost", SITE_URL=f"http://127.0.0.1:{port}",
                   RATELIMIT_IP_META_KEY="")
    units = {name: unit_commands(UNITS[name], substitutions(var)) for name in ("web", "worker", "beat")}
    prepare_database(env, units["web"], units["worker"])
    logs, alive = start_units(units, env, var, processes)
    wait_until(lambda: alive() and port_open(port), 60, "gunicorn to listen")
    browser = Browser(port)

    def healthy():
        alive()
        response, body = browser.get("/healthz", headers={"X-Healthz-Token": HEALTHZ_TOKEN})
        return response.status == 200 and json.loads(body)
    detail = wait_until(healthy, 90, "/healthz to see the database, Redis and the worker's heartbeat", interval=1)
    assert {c["name"]: c["ok"] for c in detail["checks"]} == {"database": True, "redis": True, "worker": True}
    assert Browser(port).get("/healthz")[1] == b"ok"

    log_in(browser)
    response, body = browser.get("/campaigns/")
    assert response.status == 200 and "烟雾测试县2026年度分类定级" in body.decode()
    assert export_through_the_worker(browser, alive).startswith(b"PK")

    # A request for a survey code: the web process writes no access log at all (nginx keeps the mapped one).
    browser.get("/s/ABCDEFGHJKMNP/")
    assert "ABCDEFGHJKMNP" not in logs["web"].read_text()
    if shutil.which("nginx"):
        through_nginx(tmp_path / "nginx", port, processes, var)


def through_nginx(tmp_path: Path, upstream_port: int, processes: list, var: Path):
    """nginx from deploy/nginx in front of the running gunicorn: TLS, static files, /media/ closed, and an access
    log that holds no survey code and no address for /s/ requests."""
    import ssl

    tmp_path.mkdir()
    listen = free_port()
    config = nginx_config(tmp_path, upstream_port, listen, var)
    processes.append(subprocess.Popen(["nginx", "-c", str(config), "-p", str(tmp_path), "-g", "daemon off;"],
                                      stdout=open(tmp_path / "nginx.out", "w"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
    wait_until(lambda: port_open(listen), 20, "nginx to listen")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def get(path):
        conn = http.client.HTTPSConnection("127.0.0.1", listen, timeout=30, context=context)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    assert get("/login/")[0] == 200
    status, body = get("/static/admin/css/base.css")
    assert status == 200 and body
    assert get("/media/exports/x.xlsx")[0] == 404
    assert get("/internal-media/exports/x.xlsx")[0] == 404, "the internal location is not reachable from outside"
    get("/s/ABCDEFGHJKMNP/?code=ABCDEFGHJKMNP")
    get("/healthz")
    log = wait_until(lambda: (tmp_path / "gradingsite.access.log").read_text(), 10, "the access log")
    lines = log.splitlines()
    assert "ABCDEFGHJKMNP" not in log
    (survey,) = [line for line in lines if "/s/" in line]
    assert survey.startswith("- ") and '"GET /s/..."' in survey
    assert any('"GET /login/"' in line and line.startswith("127.0.0.1 ") for line in lines)
    assert not any("/healthz" in line for line in lines)


# nginx ---------------------------------------------------------------------------------------------------------

def nginx_config(tmp_path: Path, upstream_port: int, listen_port: int | None = None, var: Path | None = None) -> Path:
    """A main nginx.conf around deploy/nginx/gradingsite.conf with the test's paths, certificate and ports."""
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=gradingsite.test", "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "gradingsite.conf").read_text()
    var = var or tmp_path / "var"
    replacements = {"/etc/ssl/gradingsite": str(certs), "/var/log/nginx": str(tmp_path),
                    "/srv/gradingsite/staticfiles": str(var / "static"), "/srv/gradingsite": str(ROOT),
                    "/var/lib/gradingsite": str(var),
                    "127.0.0.1:8000": f"127.0.0.1:{upstream_port}"}
    if listen_port is not None:
        replacements.update({"listen 80;": f"listen 127.0.0.1:{free_port()};", "listen [::]:80;": "",
                             "listen 443 ssl http2;": f"listen 127.0.0.1:{listen_port} ssl http2;",
                             "listen [::]:443 ssl http2;": ""})
    for old, new in replacements.items():
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(f"""{user}worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
""")
    return main


needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


@needs_nginx
def test_nginx_accepts_the_site(tmp_path):
    result = subprocess.run(["nginx", "-t", "-c", str(nginx_config(tmp_path, 8000)), "-p", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_site_maps_survey_paths_out_of_the_access_log():
    site = (DEPLOY / "nginx" / "gradingsite.conf").read_text()
    log_format = re.search(r"log_format gradingsite (.*?);", site, re.S).group(1)
    assert "$request_method" in log_format and "$gradingsite_log_path" in log_format
    for leak in ("$request_uri", "$request ", '$request"', "$uri", "$args", "$query_string", "$http_referer",
                 "$remote_addr"):
        assert leak not in log_format, leak
    assert re.search(r"access_log \S+ gradingsite;", site)
    assert "internal;" in site

