"""A real local stack (its own process, on a free port) for the end-to-end tests of one module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from service.local import stack


class StackClients:
    """boto3 clients pointed at the stack, as a user's script would make them."""

    def __init__(self, info: stack.LocalStackStatus) -> None:
        self.info = info
        kwargs = {
            "endpoint_url": info.endpoint_url,
            "region_name": info.region,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
        self.s3: Any = boto3.client("s3", **kwargs)
        self.sqs: Any = boto3.client("sqs", **kwargs)
        self.dynamodb: Any = boto3.client("dynamodb", **kwargs)
        self.stepfunctions: Any = boto3.client("stepfunctions", **kwargs)
        self.cloudwatch: Any = boto3.client("cloudwatch", **kwargs)

    def cli_env(self) -> dict[str, str]:
        """Environment for `scones ...` subprocesses that must find this stack."""
        return {**os.environ, "SCONES_PORT": str(self.info.port), "SCONES_STATE_DIR": os.environ["SCONES_STATE_DIR"]}


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
