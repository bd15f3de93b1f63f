"""Settings for the test suite: the production settings with a test key and fast password hashing."""
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SITE_URL", "http://testserver")

from gradingsite.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")

# A file-based SQLite test database when asked (tests/surveys/test_replay.py): live-server concurrency tests need
# the server's threads to open their own connections, which an in-memory test database does not allow.
if os.environ.get("GS_SQLITE_TEST_FILE") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["GS_SQLITE_TEST_FILE"]}
