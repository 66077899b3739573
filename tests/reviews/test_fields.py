"""reviews.fields.JSONText: a result's explanation kept as JSON text."""

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError

from reviews.computation import cycle_compute
from reviews.fields import JSONText
from reviews.models import Result
from tests.builders import load_into_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def result() -> Result:
    cycle, _reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    return Result.objects.filter(cycle=cycle).first()


def test_a_document_or_its_text_saves_and_reads_back_as_the_document(result):
    document = {"v": 2, "note": '测试 "quoted"', "n": [1, 2.5, None]}
    result.explanation = document
    result.save(update_fields=["explanation"])
    result.refresh_from_db()
    assert result.explanation == document

    result.explanation = '{"v":2,"k":[]}'  # the text, as the computation's COPY sends it
    result.save(update_fields=["explanation"])
    result.refresh_from_db()
    assert result.explanation == {"v": 2, "k": []}  # not a JSON string inside a string


def test_a_result_survives_dumpdata_and_loaddata(result):
    original = result.explanation
    assert original["v"] == 2
    assert original["k"]
    text = serializers.serialize("json", [result])
    result.explanation = {}
    result.save(update_fields=["explanation"])

    for restored in serializers.deserialize("json", text):
        restored.save()

    assert Result.objects.get(pk=result.pk).explanation == original


def test_text_that_is_not_json_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="Not JSON"):
        JSONText().to_python("{not json")
