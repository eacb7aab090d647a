"""Stopping a long-running command by SIGTERM as by Ctrl-C, so that what it set up is removed either way."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# `timeout`, service managers and `kill` send SIGTERM; a closed terminal sends SIGHUP.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt, as SIGINT does, so `finally` and `with`
    blocks run their cleanup; a second one during that cleanup is ignored, so the cleanup finishes."""

    def stop(signum: int, frame: FrameType | None) -> None:
        for name in STOP_SIGNALS:
            signal.signal(name, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous: dict[int, Any] = {name: signal.signal(name, stop) for name in STOP_SIGNALS}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)
