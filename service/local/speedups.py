"""Make moto's Step Functions interpreter cheap per execution; it was the local stack's bottleneck.

- It parses the state machine definition with ANTLR for every execution (~100 ms of CPU): parse each definition
  once and give every execution its own deep copy of the parsed program (~7 ms).
- It builds a new boto3 client for every task (~20 ms each, several per image): one client per service, shared by
  all executions (boto3 clients are thread-safe), makes the same calls; Lambda tasks are answered in-process.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

_lock = threading.Lock()


@cache
def _client(region: str, service: str) -> Any:
    if service == "lambda":
        from service.local.lambdas import InProcessLambdaClient

        return InProcessLambdaClient(region)
    return boto_client.boto_client_for(region=region, service=service)


def shared_clients(original: Any) -> Callable[..., Any]:
    """Replaces a task module's `boto_client_for` (moto's own, in `boto_client`, stays to build the clients)."""

    def shared_client(region: str, service: str, state_credentials: Any = None) -> Any:
        # The local stack has one set of credentials: the client does not depend on the state's.
        with _lock:
            return _client(region, service)

    return shared_client


@cache
def _parsed(definition: str) -> Any:
    return AmazonStateLanguageParser.parse(definition)[0]


def entrypoint(self: ExecutionWorker) -> Any:
    """Replaces `ExecutionWorker._get_evaluation_entrypoint`."""
    with _lock:
        program = _parsed(self._evaluation_details.state_machine_details.definition)
    return copy.deepcopy(program)
