"""Settings shared by every environment, read from the environment (12-factor).

Environment-specific modules (`local`, `test`, `production`) import from here and
override only what differs. Nothing secret is committed: production refuses to start
without DJANGO_SECRET_KEY.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# docker compose passes .env through `env_file`; a bare-metal deployment may ask for the
# file to be read here instead. Tests and `make run` never read it.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "appraisal",
    "kpis",
    "reviews",
    "growth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it turns a locked-out sign-in into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "appraisal.urls"
WSGI_APPLICATION = "appraisal.wsgi.application"
ASGI_APPLICATION = "appraisal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "appraisal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers files and WhiteNoise serves them from (the image bakes them in
# at build time; CI's smoke run collects into a directory of its own).
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# The project's own CSS and JS, and front-end packages installed by npm (package.json):
# each vendor folder is mapped under static/vendor/<name>/ so nothing is hand-copied.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="appraisal@example.com")

# The cache, shared by every process when CACHE_URL names a Redis (docker compose does):
# sessions are then read from it ("cached_db": written to both, read from the database
# only on a miss), one query less on every signed-in page. Without it, each process has
# its own memory cache, and sessions stay in the database alone: a cached_db session in a
# per-process cache would outlive its sign-out in the other gunicorn workers.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Cached parts of the cycle pages, keyed by versions the services bump after commit
# (appraisal/versions.py): only with a cache every process shares, or one worker would not
# see another's bump. PAGE_PARTS_SECONDS bounds how long a change made outside the
# services (the Django admin, psql) can stay unseen.
PAGE_PARTS = env.bool("PAGE_PARTS", default=bool(CACHE_URL))
PAGE_PARTS_SECONDS = env.int("PAGE_PARTS_SECONDS", default=300)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every script, style, font and image comes from our
# own origin, as files. No inline script element, no on* handler, no style="" attribute
# and no eval: the pages have none (tests/appraisal/test_content_security_policy.py scans
# the templates; tests/browser/test_csp.py loads the pages that run scripts and listens for
# violations), so an injected script or style would not run. `data:` images: Bootstrap
# draws its select arrows and check marks as data: SVG. Every environment sends it, so a
# page breaking it shows in development and in the browser tests, not first in production;
# `local` sends it report-only (Django's debug pages use inline styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Celery: with no broker configured, tasks run in-process (the embedded default).
_BROKER_FROM_ENV = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = _BROKER_FROM_ENV or "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_BROKER_FROM_ENV or None)
CELERY_TASK_ALWAYS_EAGER = not _BROKER_FROM_ENV
# In-process tasks fail like a worker's would: recorded (on the job row), not raised into
# the web request whose commit started them. Tests propagate, to see every error.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task's message is acknowledged when the task ends, and given back when the process
# running it dies (reject_on_worker_lost), so a killed worker's task is delivered again;
# the tasks are idempotent, and a computation's lease (reviews.computation.jobs) keeps a
# second delivery from running a job while its first run lives.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# Redis hands an unacknowledged message to another worker after this long, whether or not
# its worker is still alive: longer than any task may run (the hard limit above) plus the
# computation's delay after submissions, so a live run is never duplicated; much shorter
# than Redis's default hour, so a computation lost with its whole worker comes back soon.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 20 * 60}
# After a leader submits, results are recomputed this many seconds later; submissions in
# between join the same run.
COMPUTE_AFTER_SUBMISSION_SECONDS = env.int("COMPUTE_AFTER_SUBMISSION_SECONDS", default=60)
# Processes that score a cycle of 500 PMs or more (reviews.computation._in_processes):
# 0 means 2 where this process may use 2 CPUs or more, else 1; 1 keeps it in one process.
COMPUTATION_PROCESSES = env.int("COMPUTATION_PROCESSES", default=0)
# A running computation not heard of for this long (its lease not renewed) is dead: its
# worker was killed or lost the database. The run renews it every third of this, so a
# dead job is shown failed within a minute, and a busy machine does not fail a live one.
COMPUTATION_LEASE_SECONDS = env.int("COMPUTATION_LEASE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": {
        "task": "reviews.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),  # daily; each person reminded once per phase
    },
    "nightly-period-scores": {
        "task": "reviews.tasks.compute_open_cycles",
        "schedule": crontab(hour=2, minute=0),
    },
}

# `manage.py seed_demo` creates accounts with a published password: never in production.
DEMO_SEED_ALLOWED = env.bool("DJANGO_DEMO_SEED_ALLOWED", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # In-process tasks would log every run on the console of `make run`.
        "celery.app.trace": {"level": "INFO" if _BROKER_FROM_ENV else "WARNING"},
    },
}
