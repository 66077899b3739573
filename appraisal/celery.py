"""The Celery app, configured from Django settings (CELERY_* names).

Without CELERY_BROKER_URL, settings make tasks run in-process (always eager); with Redis,
tasks go to workers started by `celery -A appraisal worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal.settings.local")

app = Celery("appraisal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
