"""Celery tasks of the organisation layer. Thin: they take ids, load, and act."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from .models import Person


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def email_people(*, person_ids: list[int], subject: str, body: str) -> int:
    """E-mail each of the people (by id) who has an address; return how many were sent.

    Each person gets their own message, so no recipient sees the others' addresses.
    """
    addresses = (
        Person.objects.filter(pk__in=person_ids)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    return send_mass_mail(messages, fail_silently=False)
