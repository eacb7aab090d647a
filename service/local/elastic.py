"""Timeouts on the local stack, stretched: the definition's own figures are for Lambda, not for a laptop.

On AWS each invocation has a CPU of its own from its first instruction. Locally the functions share the laptop's
cores and queue for a few worker processes, so under a burst of uploads a call may wait seconds before it runs,
and a state's TimeoutSeconds (which counts from the state's start) would fire on a healthy image. The local stack
multiplies every state's timeout and every function's timeout by SCONES_LOCAL_TIMEOUT_FACTOR (default 10). The
definition deployed is unchanged (tests/infra/test_retry_budget.py checks it); only the local clocks are slower.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

DEFAULT_FACTOR = 10


def factor() -> float:
    value = float(os.environ.get("SCONES_LOCAL_TIMEOUT_FACTOR", DEFAULT_FACTOR))
    if value < 1:
        raise ValueError("SCONES_LOCAL_TIMEOUT_FACTOR must be >= 1: the local stack only ever allows more time")
    return value


def stretched(seconds: float) -> float:
    return seconds * factor()


def state_timeout(original: Callable[[Any, Any], int]) -> Callable[[Any, Any], int]:
    """moto's `TimeoutSeconds._eval_seconds`, times the factor."""

    def evaluate(self: Any, env: Any) -> int:
        return int(stretched(original(self, env)))

    return evaluate
