"""Fault injection for the local stack: make a step fail on purpose, to prove retries and the failed queue.

A plan is a JSON file beside the stack's state file (`stack-<port>.faults.json`), read on every call it could
affect, so a test (or a person) can arm and disarm faults while the stack runs:

    {"faults": [{"target": "Classify", "error": "ModelUnavailable", "times": 2}]}

Targets: a function's logical name (Serialize, Classify, Filter): the invocation fails with the error; "PutItem"
(the results table) and "SendMessage" (the review queue): the service answers with the error code; "PutEvents"
(an entry for the stack's outcome bus): EventBridge answers that entry with the error code, as it does for a
throttled or failed entry (FailedEntryCount > 0). Each fault fires `times` times, then the call goes through again.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

_lock = threading.Lock()
_plan_path: Path | None = None


class Fault(BaseModel):
    target: str
    error: str = Field(description="Error code (Lambda errorType, or the AWS service's error code).")
    message: str = "Injected fault."
    times: int = Field(default=1, ge=0)


class FaultPlan(BaseModel):
    faults: list[Fault] = []


def plan_path_for(state_file: Path) -> Path:
    return state_file.with_name(state_file.stem + ".faults.json")


def arm(state_file: Path, faults: list[Fault]) -> None:
    """Writes a plan for the stack whose state file is given (atomically, so the stack never reads half)."""
    path = plan_path_for(state_file)
    partial = path.with_suffix(".tmp")
    partial.write_text(FaultPlan(faults=faults).model_dump_json(), encoding="utf-8")
    partial.replace(path)


def disarm(state_file: Path) -> None:
    plan_path_for(state_file).unlink(missing_ok=True)


def take(target: str) -> Fault | None:
    """The fault armed for `target`, if any, counting one use of it."""
    if _plan_path is None or not _plan_path.exists():
        return None
    with _lock:
        try:
            plan = FaultPlan.model_validate_json(_plan_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        for fault in plan.faults:
            if fault.target == target and fault.times > 0:
                fault.times -= 1
                _plan_path.write_text(plan.model_dump_json(), encoding="utf-8")
                return fault.model_copy(update={"times": fault.times + 1})
    return None


def error_for_lambda(fault: Fault) -> Exception:
    """An exception whose class name is the fault's code, so Lambda reports it as the errorType."""
    return type(fault.error, (Exception,), {})(fault.message)


def faulty_put_item(put_item: Any) -> Any:
    """Wraps moto's `DynamoDBBackend.put_item` (patched in by `service.local.patches`)."""
    from moto.core.exceptions import JsonRESTError

    def put(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        # Only the results table: the state machine's write, not the upload claims.
        fault = take("PutItem") if "ResultsTable" in table_name else None
        if fault:
            raise JsonRESTError(f"com.amazonaws.dynamodb.v20120810#{fault.error}", fault.message)
        return put_item(self, table_name, *args, **kwargs)

    return put


def faulty_send_message(send_message: Any) -> Any:
    """Wraps moto's `SQSBackend.send_message`."""
    from moto.sqs.exceptions import SQSException

    def send(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        # Only the review queue: the failed queue is the last resort and must keep working.
        fault = take("SendMessage") if "Review" in queue_name else None
        if fault:
            raise SQSException(fault.error, fault.message)
        return send_message(self, queue_name, *args, **kwargs)

    return send


def faulty_put_events(put_events: Any) -> Any:
    """Wraps moto's `EventsBackend.put_events`: an armed fault fails the entries for the outcome bus."""

    def put(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answers: list[dict[str, Any] | None] = []
        passed = []
        for event in events:
            fault = take("PutEvents") if str(event.get("EventBusName", "")).endswith("-outcomes") else None
            if fault:
                answers.append({"ErrorCode": fault.error, "ErrorMessage": fault.message})
            else:
                answers.append(None)
                passed.append(event)
        published = iter(put_events(self, passed) if passed else [])
        return [answer if answer is not None else next(published) for answer in answers]

    return put


def install(state_file: Path) -> None:
    global _plan_path
    _plan_path = plan_path_for(state_file)


def logical_name(function_name: str) -> str:
    """'scones-ClassifyFunction-ABC123' → 'Classify'."""
    for part in function_name.split("-"):
        if part.endswith("Function"):
            return part.removesuffix("Function")
    return function_name
