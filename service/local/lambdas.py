"""Runs the Lambda handlers when the local stack's Lambda service is invoked.

moto's Lambda would need Docker; with `use_docker: false` every invoke reaches `LambdaSimpleBackend.invoke`, which
only echoes the payload. Replacing that one method makes an invoke run the function's real handler (the handler
path comes from the deployed template) and report errors the way Lambda does, so Step Functions sees the
exception's class name as the error.

The handlers run in a pool of worker processes, the local counterpart of Lambda's containers: each runs one
invocation at a time with module globals of its own (Powertools' Logger and Metrics, the loaded model), and
several run at once, so one slow read does not hold up the others.
"""

from __future__ import annotations

import importlib
import io
import json
import multiprocessing
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from service.iam import access as iam_access
from service.iam import role_credentials
from service.local import elastic, faults

Handler = Callable[[dict[str, Any], Any], Any]
HANDLER_MODULES = ("handlers.serialize", "handlers.classify", "handlers.filter", "handlers.review_api")

_pool: ProcessPoolExecutor | None = None


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


def error_payload(error_type: str, message: str, request_id: str, trace: list[str] | None = None) -> bytes:
    """The body Lambda's Invoke returns for a failed function."""
    body = {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": trace or []}
    return json.dumps(body).encode()


def run_handler(handler: Handler, payload: bytes | str | None, context: LambdaContext) -> tuple[bytes, bool]:
    """Returns (response payload, whether the function errored), shaped as Lambda's Invoke answers."""
    try:
        event = json.loads(payload) if payload else {}
        result = handler(event, context)
        return json.dumps(result).encode(), False
    except Exception as error:  # the function's failure is the caller's data, as on Lambda
        trace = traceback.format_tb(error.__traceback__)
        return error_payload(type(error).__name__, str(error), context.aws_request_id, trace), True


def _worker_start(endpoint_url: str, region: str) -> None:
    """A new container: metrics printed as EMF reach CloudWatch, and the code is imported before the first call."""
    from service.local.emf import EmfForwarder

    # The forwarder stands for CloudWatch Logs, not the function: its client keeps the operator's credentials.
    sys.stdout = EmfForwarder(sys.stdout, endpoint_url, region)
    role_credentials.install()
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def _worker_invoke(
    handler_path: str,
    payload: bytes | None,
    context_fields: dict[str, Any],
    credentials: iam_access.Credentials | None = None,
) -> tuple[bytes, bool]:
    context = LambdaContext(**{k: v for k, v in context_fields.items() if not k.startswith("_")})
    # A worker runs one invocation at a time: the function's role holds for exactly this one.
    role_credentials.assume(credentials)
    try:
        return run_handler(resolve_handler(handler_path), payload, context)
    finally:
        role_credentials.assume(None)


def invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    payload, errored = invoke_function(self, function_name, qualifier, body)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


def invoke_function(
    backend: LambdaSimpleBackend, function_name: str, qualifier: str | None, body: Any
) -> tuple[bytes, bool]:
    """Runs one invocation of a deployed function: (payload, errored)."""
    function = backend.get_function(function_name, qualifier)
    context = LambdaContext(
        function_name=function.function_name,
        invoked_function_arn=function.function_arn,
        memory_limit_in_mb=int(function.memory_size),
        timeout_seconds=int(function.timeout),
    )
    fault = faults.take(faults.logical_name(function.function_name))
    if fault is not None:
        return error_payload(fault.error, fault.message, context.aws_request_id), True
    if not function.handler:
        return error_payload(
            "Runtime.HandlerNotFound", f"{function_name} has no handler.", context.aws_request_id
        ), True
    role = getattr(function, "role", None)
    credentials = iam_access.role_credentials(role, function.function_name) if role else None
    return _dispatch(function.handler, body, context, credentials)


class InProcessLambdaClient:
    """The `invoke` of a boto3 Lambda client, answered in this process: the state machine's Lambda tasks reach
    the same functions as over HTTP, without serialising, signing and parsing three requests per image."""

    def __init__(self, region: str, role_arn: str | None = None) -> None:
        self._region = region
        #: The caller's role (the state machine's): its lambda:InvokeFunction is checked as the server would.
        self._role_arn = role_arn

    def invoke(self, FunctionName: str, Payload: Any = None, Qualifier: str | None = None, **_: Any) -> dict[str, Any]:  # noqa: N803 - boto3's names
        from moto.awslambda.utils import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID

        body = Payload if isinstance(Payload, bytes | str | None) else json.dumps(Payload)
        backend = get_backend(DEFAULT_ACCOUNT_ID, self._region)
        if not isinstance(backend, LambdaSimpleBackend):
            raise RuntimeError("The local stack runs moto's Lambda without Docker (LambdaSimpleBackend).")
        if self._role_arn is not None:
            function = backend.get_function(FunctionName, Qualifier)
            principal = iam_access.Principal(self._role_arn, "states-execution")
            denied = iam_access.check(principal, "lambda:InvokeFunction", [function.function_arn])
            if denied is not None:
                from botocore.exceptions import ClientError

                message = iam_access.denial_message(principal, *denied)
                error = {"Error": {"Code": "AccessDeniedException", "Message": message}}
                raise ClientError(error, "Invoke")
        payload, errored = invoke_function(backend, FunctionName, Qualifier, body)
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(payload), "ExecutedVersion": "$LATEST"}
        if errored:
            response["FunctionError"] = "Unhandled"
        return response


def _dispatch(
    handler_path: str, body: Any, context: LambdaContext, credentials: iam_access.Credentials | None = None
) -> tuple[bytes, bool]:
    assert _pool is not None, "lambdas.install() starts the workers"
    raw = body.encode() if isinstance(body, str) else body
    future: Future[tuple[bytes, bool]] = _pool.submit(_worker_invoke, handler_path, raw, asdict(context), credentials)
    try:
        # The wait includes queueing for a worker, which Lambda never charges to a function: stretched.
        return future.result(timeout=elastic.stretched(context.timeout_seconds))
    except FutureTimeout:
        message = f"Task timed out after {context.timeout_seconds:.2f} seconds"
        return error_payload("Sandbox.Timedout", message, context.aws_request_id), True


def install(endpoint_url: str, region: str, workers: int | None = None) -> None:
    """Starts the pool of worker processes that invokes are routed to (now, in the background, so they are warm);
    `service.local.patches` routes moto's invoke to `invoke`."""
    global _pool
    size = workers or int(os.environ.get("SCONES_LAMBDA_WORKERS", "4"))
    # spawn: the server process runs threads, which fork would copy in an unknown state.
    _pool = ProcessPoolExecutor(
        max_workers=size,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(endpoint_url, region),
    )
    for _ in range(size):
        _pool.submit(time.sleep, 0)


def shutdown() -> None:
    """Stops the workers now: an invocation still running would only fail against the stopped server, and the
    server's exit waits for every worker (a stop took minutes under a backlog)."""
    if _pool is not None:
        processes = list((getattr(_pool, "_processes", None) or {}).values())
        _pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
