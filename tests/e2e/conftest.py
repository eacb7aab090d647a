"""A real local stack (its own process, on a free port) for the end-to-end tests of one module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.local import stack
from tests import access_audit

#: (calls, deployed roles) of every stack of the session.
_session_calls: list[tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]] = []


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
    template = getattr(request.module, "STACK_TEMPLATE", None)
    iam = getattr(request.module, "STACK_IAM", "enforce")
    state = tmp_path_factory.mktemp("state")
    previous = os.environ.get("SCONES_STATE_DIR")
    os.environ["SCONES_STATE_DIR"] = str(state)
    try:
        with stack.running(parameters=parameters, iam=iam, template=template(state) if template else None) as info:
            yield StackClients(info)
        # Every call a function or the state machine made must be one its role in the template allows.
        assert info.access_log and info.deployed_roles
        recorded = access_audit.calls(Path(info.access_log))
        _session_calls.append((recorded, access_audit.deployed_roles(Path(info.deployed_roles))))
        if not getattr(request.module, "ROLES_CHANGED", False):
            wrong = access_audit.violations(recorded, access_audit.deployed_roles(Path(info.deployed_roles)))
            assert not wrong, "calls the template's roles do not allow:\n" + "\n".join(wrong)
    finally:
        if previous is None:
            os.environ.pop("SCONES_STATE_DIR", None)
        else:
            os.environ["SCONES_STATE_DIR"] = previous


@pytest.fixture(scope="module")
def samples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With SCONES_UNUSED_PERMISSIONS=FILE, writes the permissions the roles grant that no e2e call used (the
    docs' least-privilege list, docs/local-stack.md, is kept from it)."""
    target = os.environ.get("SCONES_UNUSED_PERMISSIONS")
    if not target or not _session_calls:
        return
    # Physical names differ per stack: a permission is unused when no stack of the session used it.
    by_stack = [
        {access_audit.generic(line) for line in access_audit.unexercised(calls, roles)}
        for calls, roles in _session_calls
    ]
    Path(target).write_text("\n".join(sorted(set.intersection(*by_stack))) + "\n", encoding="utf-8")
