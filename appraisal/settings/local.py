"""The embedded default: SQLite, tasks in-process, e-mail on the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="local-development-only-not-secret-3b1f9c0e2a4d",
)

# The policy is reported (in the browser console), not enforced: Django's debug pages
# style themselves inline. Production and the tests enforce it.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY  # noqa: F405
CONTENT_SECURITY_POLICY = None
