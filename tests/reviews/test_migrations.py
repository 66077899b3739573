"""Migrations that change stored data are reversible and keep it."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reviews import services
from reviews.computation import cycle_compute
from reviews.models import AssessmentRole, AuditAction, AuditEntry, Phase, Rating, Result
from tests.builders import HR, advance_to, build_cycle, load_into_cycle


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


@pytest.mark.django_db(transaction=True)
def test_recorded_history_becomes_audit_entries_when_the_history_tables_go(people):
    """What django-simple-history recorded before the audit trail existed is still on the
    audit page after migration 0007 drops its tables."""
    cycle = build_cycle(actor=people[HR], pms=[people["chen.lin"]])
    cycle = advance_to(cycle, Phase.SELF_ASSESSMENT, actor=people[HR])
    review = cycle.reviews.get()
    item = cycle.competency_items.first()
    assessment = services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )
    rating = Rating.objects.create(assessment=assessment, competency=item, value=4)
    then = timezone.now() - timedelta(days=30)

    try:
        call_command("migrate", "reviews", "0006", verbosity=0)
        loader = MigrationExecutor(connection).loader
        old = loader.project_state(("reviews", "0006_audit_entries")).apps
        history = old.get_model("reviews", "HistoricalRating")
        for offset, (value, kind) in enumerate(((2, "+"), (4, "~"))):
            history.objects.create(
                id=rating.pk,
                assessment_id=assessment.pk,
                competency_id=item.pk,
                value=value,
                history_date=then + timedelta(minutes=offset),
                history_type=kind,
                history_user_id=review.person.user_id,
            )
    finally:
        call_command("migrate", "reviews", verbosity=0)  # never leave the schema behind

    converted = AuditEntry.objects.filter(
        action=AuditAction.RATING_CHANGED, at__lt=then + timedelta(hours=1)
    ).order_by("at")
    assert [entry.changes for entry in converted] == [
        [["rating.value", None, 2]],
        [["rating.value", 2, 4]],
    ]
    assert {(entry.actor, entry.review, entry.subject["role"]) for entry in converted} == {
        (review.person, review, AssessmentRole.SELF)
    }
    phase_moves = AuditEntry.objects.filter(action=AuditAction.PHASE_MOVED, cycle=cycle)
    assert phase_moves.count() == 2  # the service's own entry, and the one made from PhaseChange


@pytest.mark.django_db(transaction=True)
def test_the_position_migration_fills_each_result_place_and_goes_back():
    cycle, _reviews = load_into_cycle("ties_and_rounding")
    cycle_compute(cycle_id=cycle.pk)
    positions = dict(Result.objects.values_list("review_id", "position"))
    assert sorted(positions.values()) == list(range(1, len(positions) + 1))

    try:
        call_command("migrate", "reviews", "0007", verbosity=0)
        with connection.cursor() as cursor:
            columns = [
                column.name
                for column in connection.introspection.get_table_description(
                    cursor, "reviews_result"
                )
            ]
        assert "position" not in columns
    finally:
        call_command("migrate", "reviews", verbosity=0)  # never leave the schema behind

    assert dict(Result.objects.values_list("review_id", "position")) == positions
