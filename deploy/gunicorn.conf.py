"""gunicorn settings for gradingsite (the web unit's ExecStart: gunicorn -c deploy/gunicorn.conf.py).

Read from the environment (the unit's EnvironmentFile): GUNICORN_BIND (default 127.0.0.1:8000, nginx proxies to
it), GUNICORN_WORKERS (default 4), GUNICORN_TIMEOUT (seconds, default 60; exports run in the Celery worker, not
here). The access log is nginx's (deploy/nginx/gradingsite.conf), which leaves out the survey codes in /s/ paths;
gunicorn writes none, so no log here holds a code.
"""
import os
import sys

wsgi_app = "gradingsite.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# The kernel's accept queue for a burst of surveys answered at one meeting.
backlog = 2048
# Recycle workers now and then so no slow leak grows for weeks.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# nginx on the same host sets X-Forwarded-For/Proto; only it may.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "gradingsite-web"


def on_starting(server):
    """Refuse to start (one line, non-zero status) when the database does not answer: workers that start anyway
    would only serve 500s."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradingsite.settings")
    try:
        import django

        django.setup()
        from core.health import database_refusal

        refusal = database_refusal()
    except Exception as exc:  # a settings error (ImproperlyConfigured) says what is wrong in its message
        refusal = f"配置错误，服务未启动 / configuration error, not starting: {' '.join(str(exc).split())}"
    if refusal:
        sys.stderr.write(refusal + "\n")
        sys.stderr.flush()
        os._exit(3)  # not SystemExit: gunicorn would log a traceback around it
