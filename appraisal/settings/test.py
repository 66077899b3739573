"""Test settings: SQLite by default; PostgreSQL and Redis when the environment names them."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests always run tasks in-process unless a test starts a real worker itself
# (tests/test_celery_worker.py does, when CELERY_BROKER_URL is set).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test starts from an empty cache whatever CACHE_URL says: a process-local cache, and
# sessions in the database (tests that need cached sessions override these).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The cycle pages' cached parts are on, as in production: one process, so the memory cache
# is shared by the test and its live server; tests/conftest.py empties it before each test.
PAGE_PARTS = True
