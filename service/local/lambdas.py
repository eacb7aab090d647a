"""Runs the Lambda handlers in-process when the local stack's Lambda service is invoked.

moto's Lambda would need Docker; with `use_docker: false` every invoke reaches `LambdaSimpleBackend.invoke`, which
only echoes the payload. Replacing that one method makes an invoke run the function's real handler, with the
function's handler path from the deployed template, and report errors the way Lambda does (Step Functions then
sees the exception's class name as the error).
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from service.local import faults

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(path: str) -> Handler:
    module_name, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _failing(error: Exception) -> Handler:
    """A handler that fails with `error`: an injected fault stands in for the function."""

    def fail(event: dict[str, Any], context: Any) -> Any:
        raise error

    return fail


def run_handler(handler: Handler, payload: bytes | str | None, context: LambdaContext) -> tuple[bytes, bool]:
    """Returns (response payload, whether the function errored), shaped as Lambda's Invoke answers."""
    try:
        event = json.loads(payload) if payload else {}
        result = handler(event, context)
        return json.dumps(result).encode(), False
    except Exception as error:  # the function's failure is the caller's data, as on Lambda
        body = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
        return json.dumps(body).encode(), True


def _invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    function = self.get_function(function_name, qualifier)
    with _container_lock(function.function_name):
        return _run(function, body, response_headers)


def _run(function: Any, body: Any, response_headers: Any) -> bytes:
    context = LambdaContext(
        function_name=function.function_name,
        invoked_function_arn=function.function_arn,
        memory_limit_in_mb=int(function.memory_size),
        timeout_seconds=int(function.timeout),
    )
    fault = faults.take(faults.logical_name(function.function_name))
    handler = resolve_handler(function.handler) if fault is None else _failing(faults.error_for_lambda(fault))
    payload, errored = run_handler(handler, body, context)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _container_lock(function_name: str) -> threading.Lock:
    """One invocation at a time per function, as in one Lambda container.

    The handlers keep Powertools' Logger, Metrics and the model in module globals, which Lambda never shares
    between concurrent invocations; running two at once in one process would mix their logs and metrics.
    """
    with _locks_guard:
        return _locks.setdefault(function_name, threading.Lock())


def install() -> None:
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
