"""Every path of the state machine ends inside an EXPRESS execution's 5 minutes, whatever its retries do.

An Express execution that reaches 5 minutes is stopped where it stands: no Catch runs, so the image would end in
neither the results, the reviews nor the failed queue. The worst case of a path is the sum, over its states, of
every attempt its Retry blocks allow, each taking the state's whole TimeoutSeconds, plus every wait at its cap.
The one exception is Lambda's throttling error, which Invoke returns before the function runs (it costs a round
trip, not a timeout).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.domain.paths import STATE_MACHINE_PATH
from service.ops.cost import successors

EXPRESS_CAP_SECONDS = 300
# Step Functions' own time per state (scheduling, service-integration round trips) on the worst path, generously.
STATE_OVERHEAD_SECONDS = 1.0
# A path must leave this much of the cap unused.
MARGIN_SECONDS = 30.0
# Errors returned by Lambda's Invoke before the function runs.
REJECTED_AT_INVOKE = {"Lambda.TooManyRequestsException"}
ROUND_TRIP_SECONDS = 1.0
# The language's defaults for a Retry block without these fields.
DEFAULT_INTERVAL, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF = 1.0, 3, 2.0


def _definition() -> dict[str, Any]:
    return json.loads(STATE_MACHINE_PATH.read_text(encoding="utf-8"))


def waits(retrier: dict[str, Any]) -> list[float]:
    """The longest wait before each retry of one Retry block (FULL jitter only shortens them)."""
    interval = float(retrier.get("IntervalSeconds", DEFAULT_INTERVAL))
    backoff = float(retrier.get("BackoffRate", DEFAULT_BACKOFF))
    cap = retrier.get("MaxDelaySeconds")
    delays = [interval * backoff**n for n in range(int(retrier.get("MaxAttempts", DEFAULT_ATTEMPTS)))]
    return [min(delay, float(cap)) if cap is not None else delay for delay in delays]


def worst_case_seconds(state: dict[str, Any]) -> float:
    """The longest one state can take: its first attempt, then every retry every Retry block allows."""
    if state["Type"] != "Task":
        return STATE_OVERHEAD_SECONDS
    timeout = float(state["TimeoutSeconds"])
    total = timeout + STATE_OVERHEAD_SECONDS
    for retrier in state.get("Retry", []):
        attempt = ROUND_TRIP_SECONDS if set(retrier["ErrorEquals"]) <= REJECTED_AT_INVOKE else timeout
        total += sum(waits(retrier)) + attempt * int(retrier.get("MaxAttempts", DEFAULT_ATTEMPTS))
    return total


def paths(definition: dict[str, Any]) -> list[list[str]]:
    """Every path from the start to an end (the definition has no loops: a loop would have no bound at all)."""
    states = definition["States"]
    found: list[list[str]] = []

    def walk(name: str, path: list[str]) -> None:
        assert name not in path, f"loop through {name}: no worst case"
        path = [*path, name]
        state = states[name]
        following = successors(state)
        # An End state may still leave through a Catch: both are paths.
        if state.get("End") or state["Type"] in ("Succeed", "Fail") or not following:
            found.append(path)
        for successor in dict.fromkeys(following):
            walk(successor, path)

    walk(definition["StartAt"], [])
    return found


def path_seconds(definition: dict[str, Any], path: list[str]) -> float:
    return sum(worst_case_seconds(definition["States"][name]) for name in path)


def test_every_task_has_a_timeout_and_every_retry_is_bounded() -> None:
    for name, state in _definition()["States"].items():
        if state["Type"] != "Task":
            continue
        # Without TimeoutSeconds a task may wait for 99999999 s: longer than any execution may live.
        assert 0 < state.get("TimeoutSeconds", 0) <= 60, name
        for retrier in state.get("Retry", []):
            assert "MaxAttempts" in retrier, f"{name}: a Retry block relies on the default attempts"
            backoff = float(retrier.get("BackoffRate", DEFAULT_BACKOFF))
            if backoff > 1 and int(retrier["MaxAttempts"]) > 3:
                assert "MaxDelaySeconds" in retrier, f"{name}: an uncapped exponential backoff"


def test_the_worst_path_ends_well_inside_the_express_cap() -> None:
    definition = _definition()
    every = paths(definition)
    worst = max(every, key=lambda path: path_seconds(definition, path))
    seconds = path_seconds(definition, worst)
    assert seconds <= EXPRESS_CAP_SECONDS - MARGIN_SECONDS, f"{' -> '.join(worst)} may take {seconds:.0f} s"
    # The walk covers the routes that matter: accept, audit, review and each failure, each then published.
    visited = {name for path in every for name in path}
    assert {"StoreResult", "SendAuditToReview", "SendToReview", "SendToFailed"} <= visited
    ends = {path[-1] for path in every}
    assert {"PublishOutcome", "PublishFailure", "CountUnpublished"} <= ends


def test_a_lambda_task_outlives_its_function() -> None:
    """The function's own timeout comes first, so a slow run ends as Sandbox.Timedout (retried or caught), not as
    the state's States.Timeout while the function still runs and bills."""
    from service.ops.template_file import load_template

    template = load_template()
    functions = {
        logical: resource["Properties"]
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    states = _definition()["States"]
    for state_name, logical in (
        ("Serialize", "SerializeFunction"),
        ("Classify", "ClassifyFunction"),
        ("Filter", "FilterFunction"),
    ):
        assert functions[logical]["Timeout"] < states[state_name]["TimeoutSeconds"], state_name


@pytest.mark.parametrize(
    ("retrier", "expected"),
    [
        ({"ErrorEquals": ["X"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}, [2, 4, 8]),
        ({"ErrorEquals": ["X"], "MaxAttempts": 4, "BackoffRate": 2, "MaxDelaySeconds": 3}, [1, 2, 3, 3]),
        ({"ErrorEquals": ["X"]}, [1, 2, 4]),
    ],
)  # fmt: skip
def test_waits_follow_the_language(retrier: dict[str, Any], expected: list[float]) -> None:
    assert waits(retrier) == expected


def test_a_loop_has_no_worst_case() -> None:
    looping = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}
    with pytest.raises(AssertionError, match="loop"):
        paths(looping)
