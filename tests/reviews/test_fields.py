"""reviews.fields: a result's explanation kept as JSON text, and the form fields every typed
number goes through."""

from decimal import Decimal

import pytest
from django import forms
from django.core import serializers
from django.core.exceptions import ValidationError
from django.utils import translation

from reviews.computation import cycle_compute
from reviews.fields import JSONText, NumberField, WholeNumberField
from reviews.models import Result
from tests.builders import load_into_cycle


@pytest.fixture
def result(db) -> Result:
    cycle, _reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    return Result.objects.filter(cycle=cycle).first()


@pytest.mark.django_db
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


@pytest.mark.django_db
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


# --- the form fields every typed number goes through ------------------------------------------

FULL_WIDTH_ONE, SUPERSCRIPT_TWO = "\uff11", "\u00b2"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("typed", "value"),
    [("1234.5", "1234.5"), ("1,234.5", "1234.5"), ("-2", "-2"), ("0.25", "0.25"), ("", None)],
)
def test_a_number_is_read_in_the_active_language(language, typed, value):
    field = NumberField(required=False, max_digits=16, decimal_places=4)

    with translation.override(language):
        assert field.clean(typed) == (None if value is None else Decimal(value))


@pytest.mark.parametrize(
    "typed",
    ["1,5", "1.234,5", "12,34", "1e3", "1e999", "NaN", "Infinity", "abc", FULL_WIDTH_ONE,
     SUPERSCRIPT_TWO, "1.", ".", "--1", "9" * 5000],
)  # fmt: skip
def test_anything_else_is_refused_saying_how_to_write_a_number(typed):
    field = NumberField(max_digits=16, decimal_places=4)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages[0].endswith("is not a number: write it like 1,234.5.")


def test_more_decimals_than_the_column_keeps_are_refused_not_rounded_to_0():
    field = NumberField(max_digits=6, decimal_places=2)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean("0.001")

    assert refused.value.messages == ["Give 0.001 with at most 2 decimals: it is not rounded."]
    assert field.clean("1.50") == Decimal("1.5")  # trailing zeros lose nothing
    assert field.clean("100.000") == Decimal(100)


@pytest.mark.parametrize(
    ("typed", "digits", "message"),
    [
        ("1" + "0" * 12, {"max_digits": 16, "decimal_places": 4}, "at most 12 digits"),
        ("9" * 30, {"max_digits": 16, "decimal_places": 4}, "at most 12 digits"),
        ("99999", {"max_digits": 6, "decimal_places": 2}, "at most 4 digits"),
    ],
)
def test_a_number_too_large_for_its_column_says_how_many_digits_fit(typed, digits, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        NumberField(**digits).clean(typed)

    assert f"is too large: give {message} before the decimals." in refused.value.messages[0]


def test_django_reads_unicode_digits_as_whole_numbers_and_ours_refuses_them():
    assert forms.IntegerField().clean(FULL_WIDTH_ONE) == 1  # why WholeNumberField exists

    for typed in (FULL_WIDTH_ONE, SUPERSCRIPT_TWO, "1.0", "abc", "9" * 30, "1e3"):
        with pytest.raises(ValidationError):
            WholeNumberField().clean(typed)
    assert WholeNumberField().clean(" 42 ") == 42
