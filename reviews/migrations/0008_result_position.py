"""Each result's place in its cycle's default order (`Result.position`), with the index the
calibration table's default sort reads a page from, and one the grade distribution counts
from. The computation writes the position from now on; this fills it for the results already stored, in the order the page sorted
them by (rank, no rank last, the PM's name, then the review). Going back drops the indexes
and the column: nothing else was changed."""

from django.db import migrations, models
from django.db.models import F


def fill_positions(apps, schema_editor):
    Result = apps.get_model("reviews", "Result")
    cycle_ids = Result.objects.order_by().values_list("cycle_id", flat=True).distinct()
    for cycle_id in list(cycle_ids):
        ordered = (
            Result.objects.filter(cycle_id=cycle_id)
            .order_by(F("rank").asc(nulls_last=True), "review__person__name", "review_id")
            .only("pk")
        )
        rows = []
        for position, result in enumerate(ordered, start=1):
            result.position = position
            rows.append(result)
        Result.objects.bulk_update(rows, ["position"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_audit_trail_replaces_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="position",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="result",
            index=models.Index(
                fields=["cycle", "position", "id"], name="result_cycle_position_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="result",
            index=models.Index(fields=["cycle", "grade", "review"], name="result_cycle_grade_idx"),
        ),
        migrations.RunPython(fill_positions, migrations.RunPython.noop, elidable=True),
    ]
