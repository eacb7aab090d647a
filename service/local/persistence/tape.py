"""What a request drew from moto's random generator and clocks, recorded while it ran and played back when it is
replayed, so that replay makes the same identifiers (S3 version ids, SQS message ids, Cognito subs and sessions)
and the same times (an object's LastModified, a message's SentTimestamp).

moto draws every identifier from one generator (`mock_random`, whose every method goes through `getrandbits`) and
serves a request entirely in the thread that received it: the values one thread drew while serving a request are
exactly that request's. Recording is per thread; other threads draw as usual. A replay that draws more than was
recorded gets fresh values (it cannot happen while moto's code is the same; the version check holds that).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from random import Random
from typing import Any

_local = threading.local()

#: The clocks whose readings are pinned: (module, function name).
CLOCKS = (("moto.s3.models", "utcnow"), ("moto.sqs.models", "unix_time_millis"))


class Tape:
    def __init__(self, draws: list[int] | None = None, readings: dict[str, list[Any]] | None = None) -> None:
        self.draws: deque[int] = deque(draws or [])
        self.readings: dict[str, deque[Any]] = {name: deque(values) for name, values in (readings or {}).items()}

    def recorded(self) -> tuple[list[int], dict[str, list[Any]]]:
        return list(self.draws), {name: list(values) for name, values in self.readings.items() if values}


def _mode() -> tuple[str, Tape] | None:
    return getattr(_local, "active", None)


@contextmanager
def recording() -> Iterator[Tape]:
    tape = Tape()
    _local.active = ("record", tape)
    try:
        yield tape
    finally:
        _local.active = None


@contextmanager
def playing(tape: Tape) -> Iterator[None]:
    _local.active = ("play", tape)
    try:
        yield
    finally:
        _local.active = None


def _getrandbits(self: Random, k: int) -> int:
    active = _mode()
    if active is not None and active[0] == "play" and active[1].draws:
        return active[1].draws.popleft()
    value = Random.getrandbits(self, k)
    if active is not None and active[0] == "record":
        active[1].draws.append(value)
    return value


def _clock(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def reading(*args: Any, **kwargs: Any) -> Any:
        active = _mode()
        if active is None or args or kwargs:
            return real(*args, **kwargs)
        mode, tape = active
        values = tape.readings.setdefault(name, deque())
        if mode == "play":
            return values.popleft() if values else real()
        value = real()
        values.append(value)
        return value

    return reading


_installed = False


def install() -> None:
    """Routes moto's generator and the pinned clocks through the tape (idle outside recording and playing)."""
    global _installed
    if _installed:
        return
    import importlib

    from moto.moto_api._internal.moto_random import MotoRandom

    MotoRandom.getrandbits = _getrandbits  # type: ignore[method-assign,assignment]
    for module_name, function in CLOCKS:
        module = importlib.import_module(module_name)
        setattr(module, function, _clock(f"{module_name}.{function}", getattr(module, function)))
    _installed = True
