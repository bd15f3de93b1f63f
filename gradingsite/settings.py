"""Settings, read only from the environment and checked at start-up.

Every variable is read through gradingsite/envparse.py: a malformed value (`DEBUG=fasle`, `CONN_MAX_AGE=60s`) stops
the site at start-up with the variable named, instead of being read as something else. Booleans are
true/false, 1/0, yes/no or on/off; an empty variable counts as unset.

DATABASE_URL            sqlite:///PATH or postgres://…; absent → SQLite file var/db.sqlite3 in the project
REDIS_URL               redis://… or rediss://…; absent → Celery tasks run in-process (no broker needed; warned
                        about by the system check gradingsite.W001 when DEBUG is off)
SECRET_KEY              required when DEBUG is off
DEBUG                   boolean (default off)
ALLOWED_HOSTS           comma separated (default localhost,127.0.0.1 with DEBUG, else required)
SITE_URL                absolute http(s) base for links printed on slips and CSVs (default http://127.0.0.1:8000)
CSRF_TRUSTED_ORIGINS    comma separated http(s) origins (default SITE_URL)
CONN_MAX_AGE            seconds a database connection is kept between requests (default 60; 0 = one per request)
DB_PREPARED_STATEMENTS  boolean: the survey answer's server-side prepared statement on PostgreSQL (default on)
STATIC_ROOT, MEDIA_ROOT, PDF_FONT_DIR   absolute paths (default staticfiles/, var/media/, var/fonts/)
EXPORT_TTL_HOURS        hours an export file is kept (default 48)
CELERY_VISIBILITY_TIMEOUT  seconds before a broker hands an unacknowledged job to another worker (default 10800)
EXPORT_HEARTBEAT_SECONDS / EXPORT_LOST_AFTER_SECONDS  a running export's heartbeat (default 15) and the silence after
                        which it is lost and queued again (default 120)
RATELIMIT_IP_META_KEY   request.META key of the client address behind a proxy, e.g. HTTP_X_FORWARDED_FOR
SECURE_SSL_REDIRECT     boolean, with DEBUG off (default on)
SECURE_HSTS_SECONDS     with DEBUG off (default 31536000)
HEALTHZ_TOKEN           20+ letters, digits, - or _: a monitor sending it in the X-Healthz-Token header gets the
                        detail of /healthz (default: none, detail only for admin users)
SESSION_IDLE_MINUTES    minutes without a request after which a login session ends (default 30)
"""
import datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from . import envparse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = envparse.boolean("DEBUG", default=False)

SECRET_KEY = envparse.string("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-" + "x" * 20

ALLOWED_HOSTS = envparse.string_list("ALLOWED_HOSTS",
                                     default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma separated host names).")

SITE_URL = envparse.url("SITE_URL", default="http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    # Before import_export: its own `export` command would otherwise shadow `manage.py export` (SPEC §10).
    "reports",
    "import_export",
    "django_htmx",
    # Logins: lockout after repeated failures (core.logins), the optional second factor of staff (TOTP).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The project's apps, bottom layer first (see the README's layout table).
    "core",
    "audit",
    "branches",
    "campaigns",
    "surveys",
    "scoring",
    "publicity",
    "rectification",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy headers on every answer.
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle sessions end; a login's pending steps (second factor, initial password) come first.
    "core.middleware.LoginRulesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gradingsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "branches.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "gradingsite.wsgi.application"

DATABASES = {
    "default": envparse.database_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # Wait for a writer instead of failing at once ("database is locked") when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent database connections: kept this many seconds between requests (0 = a new connection per request),
# checked before reuse so a connection the server dropped is replaced instead of failing the request.
DATABASES["default"]["CONN_MAX_AGE"] = envparse.integer("CONN_MAX_AGE", default=60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DB_PREPARED_STATEMENTS = envparse.boolean("DB_PREPARED_STATEMENTS", default=True)  # read (and checked) on SQLite too
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARED_STATEMENTS:
    # Django's own cursors bind parameters client-side and never prepare. The survey's answer statement
    # (surveys.services.answer_by_code) asks for a server-side prepared statement, which psycopg does only when
    # the connection has a threshold; this one is never reached by automatic preparation. Set
    # DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep prepared statements (pgbouncer < 1.21 in
    # transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1_000_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords (core/passwords.py): at least 8 characters from 3 of upper, lower, digit, symbol; not like the user's
# name, not common, not all digits; Chinese messages.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.CommonPasswordValidator"},
    {"NAME": "core.passwords.NumericPasswordValidator"},
    {"NAME": "core.passwords.ComplexityValidator"},
]

# Logins (core/logins.py). The lockout backend comes first: it refuses a locked login before the password is
# checked. 5 failures of a username from one address within 15 minutes lock it from there for 30 minutes; 20
# failures from one address lock the address. Staff lift a lock at /login/locks/.
AUTHENTICATION_BACKENDS = ["core.logins.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = 20
LOGIN_FAILURE_WINDOW_MINUTES = 15
LOGIN_LOCKOUT_MINUTES = 30
AXES_HANDLER = "core.logins.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT  # what core.logins.LockoutHandler.get_failures reports when locked
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_FAILURE_WINDOW_MINUTES + LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failure, with its time: what the limits count
AXES_CLIENT_IP_CALLABLE = "core.logins.lockout_address"
AXES_LOCKOUT_CALLABLE = "core.logins.locked_response"
AXES_ENABLE_ADMIN = False  # locks are lifted on the staff page; every login event is in the audit log
AXES_VERBOSE = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Sessions end after SESSION_IDLE_MINUTES without a request (core.middleware.LoginRulesMiddleware).
SESSION_IDLE_MINUTES = envparse.integer("SESSION_IDLE_MINUTES", default=30, minimum=1)
# The second factor (TOTP) shows this issuer in the authenticator app.
OTP_TOTP_ISSUER = "分类定级"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envparse.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = envparse.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# The PDFs' common CJK font, built by `manage.py build_pdf_fonts` (gradingsite/pdf_fonts.py).
PDF_FONT_DIR = envparse.path("PDF_FONT_DIR", default=str(VAR_DIR / "fonts"))
MEDIA_URL = "/media/"
EXPORT_TTL_HOURS = envparse.integer("EXPORT_TTL_HOURS", default=48, minimum=1)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Celery: a real broker when REDIS_URL is set, in-process execution otherwise.
REDIS_URL = envparse.url("REDIS_URL", default="", schemes=("redis", "rediss"))
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker whose Redis goes away keeps trying to reconnect, at start-up and later, for as long as it takes
# (celery/kombu 5.7: the reconnect no longer ends in "Unrecoverable error: AttributeError … 'hostname'").
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Longer than the longest export (3 h), so a job is not handed to a second worker while the first still runs it;
# a job whose worker died is found much sooner by its silent heartbeat (reports.services.sweep_lost_exports).
# CELERY_VISIBILITY_TIMEOUT (seconds) lets a test recover a killed worker's job quickly.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envparse.integer("CELERY_VISIBILITY_TIMEOUT", default=3 * 3600, minimum=1),
}
CELERY_TIMEZONE = TIME_ZONE
# A running export writes a heartbeat this often; one silent for EXPORT_LOST_AFTER_SECONDS is lost and queued
# again, at most EXPORT_MAX_ATTEMPTS runs in all (then 失败 with a retry button).
EXPORT_HEARTBEAT_SECONDS = envparse.integer("EXPORT_HEARTBEAT_SECONDS", default=15, minimum=1)
EXPORT_LOST_AFTER_SECONDS = envparse.integer("EXPORT_LOST_AFTER_SECONDS", default=120, minimum=2)
EXPORT_MAX_ATTEMPTS = 3
# Sent by celery beat (deploy/systemd/gradingsite-beat.service); without a broker `manage.py run_periodic`
# runs the same tasks once (from cron).
CELERY_BEAT_SCHEDULE = {
    "sweep-lost-exports": {"task": "reports.tasks.sweep_lost_exports", "schedule": 30.0},
    "delete-expired-exports": {"task": "reports.tasks.delete_expired_exports", "schedule": 3600.0},
}

if REDIS_URL:
    # Short socket timeouts: a Redis host that drops packets makes the rate limits fall back at once instead of
    # holding each request (docs/deployment.md, Faults).
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    # One process on a first run: a local-memory cache is enough (rate limits are then per process).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
# Behind a reverse proxy: the request header holding the real client address (e.g. HTTP_X_FORWARDED_FOR).
RATELIMIT_IP_META_KEY = envparse.string("RATELIMIT_IP_META_KEY", pattern="[A-Z][A-Z0-9_]*",
                                        expected="a request.META key such as HTTP_X_FORWARDED_FOR") or None
RATELIMIT_VIEW = "core.ratelimits.ratelimited"
# /healthz (core.views_health): the checks' detail for a monitor sending this in X-Healthz-Token.
HEALTHZ_TOKEN = envparse.string("HEALTHZ_TOKEN", pattern="[A-Za-z0-9_-]{20,}",
                                expected="at least 20 letters, digits, - or _")
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# Security, strict unless DEBUG.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere a browser renders (templates/reports/pdf/ and templates/surveys/pdf/ are read
# by WeasyPrint only): scripts and styles come from static/, htmx runs with allowEval off (its meta htmx-config in
# base.html). QR codes are data: images; frame-src 'self' is for the evidence previews.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Browser features the site never uses, refused for it and anything it embeds (core.middleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Read (and checked) with DEBUG on too, so a bad value is found before it reaches production.
_ssl_redirect = envparse.boolean("SECURE_SSL_REDIRECT", default=True)
_hsts_seconds = envparse.integer("SECURE_HSTS_SECONDS", default=31536000, minimum=0)
if not DEBUG:
    SECURE_SSL_REDIRECT = _ssl_redirect
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = envparse.url_list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL], schemes=("http", "https"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Never log request bodies: survey answers must not reach any log (docs/anonymity.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
