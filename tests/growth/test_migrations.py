"""The development plan's migration is reversible."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_the_development_plan_tables_are_removed_and_created_again():
    MigrationExecutor(connection).migrate([("growth", None)])
    removed = set(connection.introspection.table_names())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    restored = set(connection.introspection.table_names())

    plan_tables = {"growth_developmentplan", "growth_developmentaction"}
    assert not plan_tables & removed
    assert plan_tables <= restored
