"""DynamoDB's atomic conditional writes, given back to moto for tests that race threads against one item."""

import threading
from typing import Any


class AtomicWrites:
    """DynamoDB applies a conditional write atomically; moto checks and writes in two steps that threads can
    interleave. Serialising the writes gives back DynamoDB's guarantee, the one the review relies on."""

    def __init__(self, dynamodb: Any) -> None:
        self._dynamodb = dynamodb
        self._lock = threading.Lock()

    def put_item(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            return dict(self._dynamodb.put_item(**request))

    def update_item(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            return dict(self._dynamodb.update_item(**request))

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            return dict(self._dynamodb.transact_write_items(**request))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dynamodb, name)
