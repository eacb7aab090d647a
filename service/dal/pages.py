"""Reading every page of a DynamoDB query or scan: one loop for every table adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def pages(read: Callable[..., dict[str, Any]], request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page `read` (a client's query or scan) answers for `request`, following LastEvaluatedKey."""
    following = dict(request)
    while True:
        page = read(**following)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        following["ExclusiveStartKey"] = page["LastEvaluatedKey"]
