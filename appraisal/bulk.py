"""Set-based updates of many rows, each to its own values.

Django's `bulk_update` builds a `CASE WHEN pk = ... THEN ...` per field and object: in
Python that cost 15 of the 21 s of a 10,000-row actuals file, and unbatched the database
evaluates n branches for each of n rows (390 s, bench/RESULTS.md). Here each batch is one
`UPDATE ... FROM (VALUES ...)`: the database joins the list on the primary key. VALUES
names its columns column1, column2, ... on both PostgreSQL and SQLite (3.33 or later).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

BATCH = 500  # rows per statement


def update_from_values(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[tuple],
    *,
    bump: str | None = None,
) -> None:
    """Set `fields` of each row `(pk, value, ...)` to its values; `bump`: an integer field
    moved on by one in the same statement (a version)."""
    if not rows:
        return
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    model_fields = [meta.get_field(name) for name in fields]
    # A cast per column: a VALUES column whose every value is NULL has no type of its own.
    assignments = [
        f"{connection.ops.quote_name(field.column)} = "
        f"CAST(v.column{number} AS {field.db_type(connection)})"
        for number, field in enumerate(model_fields, start=2)
    ]
    if bump:
        column = connection.ops.quote_name(meta.get_field(bump).column)
        assignments.append(f"{column} = {table}.{column} + 1")
    pk_column = connection.ops.quote_name(meta.pk.column)
    placeholders = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            # Only the model's own names are formatted in; every value is a parameter.
            sql = (
                f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608
                f"FROM (VALUES {', '.join([placeholders] * len(batch))}) AS v "
                f"WHERE {table}.{pk_column} = v.column1"
            )
            cursor.execute(
                sql,
                [
                    parameter
                    for row in batch
                    for parameter in (
                        row[0],
                        *(
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(model_fields, row[1:], strict=True)
                        ),
                    )
                ],
            )
