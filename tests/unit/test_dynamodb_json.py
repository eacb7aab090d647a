"""The DynamoDB JSON codec gives what boto3's TypeSerializer and TypeDeserializer give, on a broad random sample
of JSON documents and on the records the pipeline writes."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from service.domain.dynamodb_json import from_attribute, from_item, to_attribute, to_item
from service.domain.models import ResultRecord
from service.domain.review_items import ReviewItem

SERIALIZER, DESERIALIZER = TypeSerializer(), TypeDeserializer()
TEXT = string.printable + "é☃😀\u0000 +%/"


def _number(rng: random.Random) -> int | Decimal:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randint(-(10**12), 10**12)
    if kind == 1:
        return rng.randint(-(10**38) + 1, 10**38 - 1)  # DynamoDB's 38 digits
    if kind == 2:
        return Decimal(repr(rng.uniform(-1e6, 1e6)))  # a float as json.loads(parse_float=Decimal) gives it
    if kind == 3:
        return Decimal(rng.randint(1, 10**6)).scaleb(rng.randint(-130, 124))  # near the exponent limits
    if kind == 4:
        return Decimal(f"{rng.randint(0, 99)}.{'0' * rng.randint(0, 5)}")  # trailing zeros kept as written
    return Decimal(rng.choice(["0", "-0", "0E+3", "1E-130", "1E+126"]))


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return None if rng.random() < 0.5 else rng.random() < 0.5
    if kind == 1:
        return _number(rng)
    if kind in (2, 3):
        return "".join(rng.choice(TEXT) for _ in range(rng.randrange(12)))
    if kind == 4:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {"".join(rng.choice(TEXT) for _ in range(rng.randrange(1, 6))): _value(rng, depth + 1) for _ in range(4)}


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except Exception as error:  # the same failure, class and all
        return type(error).__name__, str(error)


def test_json_values_serialise_and_deserialise_as_boto3_does() -> None:
    rng = random.Random(20261207)
    kinds = set()
    for _ in range(3000):
        value = _value(rng)
        expected = _outcome(lambda: SERIALIZER.serialize(value))  # noqa: B023
        assert _outcome(lambda: to_attribute(value)) == expected, value  # noqa: B023
        kinds.add(expected[0])
        if expected[0] == "ok":
            back = from_attribute(expected[1])
            assert repr(back) == repr(DESERIALIZER.deserialize(expected[1]))
            assert back == value
    assert kinds == {"ok", "Overflow"}  # the sample reaches past DynamoDB's range too


def test_numbers_at_dynamodbs_limits_are_boto3s() -> None:
    numbers = (10**38, Decimal("1.23456789012345678901234567890123456789"), Decimal("1E+127"), Decimal("1E-140"),
               Decimal("NaN"), Decimal("Infinity"), 1.5)  # fmt: skip
    serialised = [_outcome(lambda: SERIALIZER.serialize(number)) for number in numbers]  # noqa: B023
    assert [_outcome(lambda: to_attribute(number)) for number in numbers] == serialised  # noqa: B023
    assert [kind for kind, _ in serialised] == ["Rounded", "Inexact", "Overflow", "ok", *["TypeError"] * 3]
    texts = ("1E+200", "1.23456789012345678901234567890123456789", "1E-140", "x")
    # Compared as text: Decimal("NaN") equals nothing, itself included.
    deserialised = [repr(_outcome(lambda: DESERIALIZER.deserialize({"N": text}))) for text in texts]  # noqa: B023
    assert [repr(_outcome(lambda: from_attribute({"N": text}))) for text in texts] == deserialised  # noqa: B023
    assert [found.split("'")[1] for found in deserialised] == ["Overflow", "Inexact", "ok", "ok"]


@pytest.mark.parametrize("attribute", [{"B": b"x"}, {"SS": ["a"]}, {"NS": ["1"]}, {}])
def test_what_json_cannot_hold_is_refused(attribute: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        from_attribute(attribute)


@pytest.mark.parametrize("value", [b"x", {"a"}, frozenset({1})])
def test_sets_and_bytes_are_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        to_attribute(value)


def _record(route: str) -> ResultRecord:
    return ResultRecord(
        bucket="intake",
        key="a dir/é+plus 100%.png",
        label="motorcycle",
        confidence=0.5123456789012345,
        probabilities={"bicycle": 0.4876543210987655, "motorcycle": 0.5123456789012345},
        model_version="m-1",
        route=route,  # type: ignore[arg-type]
        threshold=0.9,
        reason="low_confidence",
        recognition=1e-7,
        recognition_threshold=0.25,
        etag="abc",
        version_id="v1",
        uploaded_at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
    )


def test_the_pipelines_items_are_boto3s() -> None:
    record = _record("review")
    plain = {name: DESERIALIZER.deserialize(value) for name, value in record.to_dynamodb().items()}
    assert record.to_dynamodb() == {name: SERIALIZER.serialize(value) for name, value in plain.items()}
    assert ResultRecord.from_dynamodb(record.to_dynamodb()) == record
    review = ReviewItem.for_prediction(record)
    assert ReviewItem.from_dynamodb(review.to_dynamodb()) == review
    assert from_item(to_item(plain)) == plain
