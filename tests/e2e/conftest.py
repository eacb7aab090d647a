"""A real local stack (its own process, on a free port) for the end-to-end tests of one module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.local import stack


class StackClients:
    """boto3 clients pointed at the stack, as a user's script would make them."""

    def __init__(self, info: stack.LocalStackStatus) -> None:
        self.info = info
        self.s3: Any = info.client("s3")
        self.sqs: Any = info.client("sqs")
        self.dynamodb: Any = info.client("dynamodb")
        self.stepfunctions: Any = info.client("stepfunctions")
        self.cloudwatch: Any = info.client("cloudwatch")

    def cli_env(self) -> dict[str, str]:
        """Environment for `scones ...` subprocesses that must find this stack."""
        # This checkout's code, whatever the working directory (an editable install may point at another one).
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        return {
            **os.environ,
            "SCONES_PORT": str(self.info.port),
            "SCONES_STATE_DIR": os.environ["SCONES_STATE_DIR"],
            "PYTHONPATH": path,
        }


@pytest.fixture(scope="module")
def local_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackClients]:
    """Template parameters come from the test module's STACK_PARAMETERS, if it sets them."""
    parameters = getattr(request.module, "STACK_PARAMETERS", None)
    state = tmp_path_factory.mktemp("state")
    previous = os.environ.get("SCONES_STATE_DIR")
    os.environ["SCONES_STATE_DIR"] = str(state)
    try:
        with stack.running(parameters=parameters) as info:
            yield StackClients(info)
    finally:
        if previous is None:
            os.environ.pop("SCONES_STATE_DIR", None)
        else:
            os.environ["SCONES_STATE_DIR"] = previous


@pytest.fixture(scope="module")
def samples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples"
