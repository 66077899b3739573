"""Migrations that change stored data are reversible and keep it."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from reviews.computation import cycle_compute
from reviews.models import Result
from tests.builders import load_into_cycle


def stored_explanations() -> dict[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT review_id, explanation FROM reviews_result")
        return {
            review: value if isinstance(value, dict) else json.loads(value)
            for review, value in cursor.fetchall()
        }


def explanation_column_type() -> str:
    """The column's type as PostgreSQL names it ('' elsewhere: SQLite keeps JSON as text
    either way)."""
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'reviews_result' AND column_name = 'explanation'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_explanations_survive_the_move_to_text_and_back():
    cycle, _reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    documents = dict(Result.objects.values_list("review_id", "explanation"))
    assert len(documents) == 5
    is_postgresql = connection.vendor == "postgresql"

    try:
        call_command("migrate", "reviews", "0004", verbosity=0)
        assert stored_explanations() == documents
        assert explanation_column_type() == ("jsonb" if is_postgresql else "")
    finally:
        call_command("migrate", "reviews", verbosity=0)  # never leave the schema behind

    assert explanation_column_type() == ("text" if is_postgresql else "")
    assert stored_explanations() == documents
    assert dict(Result.objects.values_list("review_id", "explanation")) == documents
    cycle_compute(cycle_id=cycle.pk)  # a rerun after the round trip still computes
    assert dict(Result.objects.values_list("review_id", "explanation")) == documents
