"""JSON values to DynamoDB's typed attribute values and back, as boto3's TypeSerializer and TypeDeserializer do.

Why not boto3's own: `boto3.dynamodb.types` can only be imported with the `boto3` package, whose `__init__` loads
botocore's session, s3transfer and more, about 0.3 s of a cold Filter that otherwise never touches the SDK
(benchmarks/coldstart.py). The records here are JSON documents (pydantic dumps, floats parsed as Decimal), so
only JSON's types are needed: null, booleans, numbers, strings, lists and maps. Numbers go through the same
decimal context as boto3's (38 digits, exponents -128..126, inexact or rounded values refused), so the output is
the same to the character; tests/unit/test_dynamodb_json.py compares both on a broad random sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

#: boto3.dynamodb.types.DYNAMODB_CONTEXT: DynamoDB's number range and precision, and no silent rounding.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def to_attribute(value: Any) -> dict[str, Any]:
    """One JSON value (numbers as int or Decimal) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        number = str(DYNAMODB_CONTEXT.create_decimal(value))
        if number in ("Infinity", "NaN"):
            raise TypeError("Infinity and NaN not supported")
        return {"N": number}
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {name: to_attribute(item) for name, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(item) for item in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}": only JSON values are')


def from_attribute(attribute: Mapping[str, Any]) -> Any:
    """A DynamoDB attribute value of a JSON type as its value (numbers as Decimal)."""
    if not attribute:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind, value = next(iter(attribute.items()))
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        return DYNAMODB_CONTEXT.create_decimal(value)
    if kind == "M":
        return {name: from_attribute(item) for name, item in value.items()}
    if kind == "L":
        return [from_attribute(item) for item in value]
    if kind == "NULL":
        return None
    raise TypeError(f"Dynamodb type {kind} is not supported: only JSON's types are")


def to_item(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A JSON object as a DynamoDB item."""
    return {name: to_attribute(value) for name, value in document.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item of JSON types as a JSON object (numbers as Decimal)."""
    return {name: from_attribute(value) for name, value in item.items()}
