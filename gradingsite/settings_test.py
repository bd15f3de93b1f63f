"""Settings for the test suite: the production settings with a test key and fast password hashing."""
import copy
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SITE_URL", "http://testserver")

from gradingsite.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-django empties the tables between transactional tests with TRUNCATE on PostgreSQL, which the audit log's
# trigger refuses unless the session allows it (audit migration 0004). Only the test connections set it; the
# production settings never do. A copy, so that gradingsite.settings.DATABASES stays as production has it.
DATABASES = copy.deepcopy(DATABASES)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c gradingsite.allow_truncate=on").strip()
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")

# A file-based SQLite test database when asked (tests/surveys/test_replay.py): live-server concurrency tests need
# the server's threads to open their own connections, which an in-memory test database does not allow.
if os.environ.get("GS_SQLITE_TEST_FILE") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["GS_SQLITE_TEST_FILE"]}
