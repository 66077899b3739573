"""The project package, and the organisation every app refers to."""

from .celery import app as celery_app

__all__ = ("celery_app",)
