"""The stack's outcome bus (EventBridge): one PutEvents entry per outcome."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from service.domain.outcome_events import OutcomeEntry


class PublishError(RuntimeError):
    """EventBridge did not take the entry (an error answer, or a failed entry)."""


class EventBus:
    def __init__(self, events: Any, name: str) -> None:
        self._events = events
        self.name = name

    def put(self, entry: OutcomeEntry) -> str:
        """Publishes one entry; returns EventBridge's event id."""
        try:
            answer = self._events.put_events(
                Entries=[
                    {
                        "EventBusName": self.name,
                        "Source": entry.source,
                        "DetailType": entry.detail_type,
                        "Detail": entry.detail.model_dump_json(),
                    }
                ]
            )
        except (ClientError, BotoCoreError) as error:
            raise PublishError(str(error)) from error
        (result,) = answer["Entries"]
        if answer.get("FailedEntryCount") or "ErrorCode" in result:
            raise PublishError(f"{result.get('ErrorCode')}: {result.get('ErrorMessage')}")
        return str(result["EventId"])
