"""A burst of uploads on a stack that runs two executions at once: they wait in the backlog, every one ends exactly
once, the server's threads stay bounded, and `scones status` answers with the backlog while it drains."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from service.local import stack
from service.ops.accounting import take_ledger
from tests.e2e.conftest import StackClients

pytestmark = pytest.mark.e2e

CONCURRENCY = 2
UPLOADS = 200
UPLOADERS = 16


@pytest.fixture(scope="module")
def two_at_once() -> Iterator[None]:
    previous = os.environ.get("SCONES_LOCAL_CONCURRENCY")
    os.environ["SCONES_LOCAL_CONCURRENCY"] = str(CONCURRENCY)
    yield
    if previous is None:
        os.environ.pop("SCONES_LOCAL_CONCURRENCY", None)
    else:
        os.environ["SCONES_LOCAL_CONCURRENCY"] = previous


@pytest.fixture(scope="module")
def local_stack(two_at_once: None, local_stack: StackClients) -> StackClients:
    return local_stack


class ThreadPeak:
    """The most threads the server process had, sampled in the background."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = self._process.num_threads()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._process.num_threads())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def test_a_burst_waits_in_the_backlog_and_each_upload_ends_exactly_once(
    local_stack: StackClients, samples_dir: Path
) -> None:
    info = local_stack.info
    assert info.execution_concurrency == CONCURRENCY
    photos = sorted(p for p in samples_dir.glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))
    uploads = {f"burst/{i:04d}-{photos[i % len(photos)].name}": photos[i % len(photos)] for i in range(UPLOADS)}
    idle_threads = psutil.Process(info.pid).num_threads()
    threads = ThreadPeak(info.pid)

    with ThreadPoolExecutor(UPLOADERS) as pool:
        list(
            pool.map(
                lambda item: local_stack.s3.upload_file(str(item[1]), info.intake_bucket, item[0]), uploads.items()
            )
        )

    waiting_seen = 0
    statuses = 0
    keys = set(uploads)
    deadline = time.monotonic() + 600
    # Every upload's event entered the backlog before its PUT answered: done when nothing waits or runs and every
    # upload has an outcome (the metrics are a second old at most).
    while True:
        assert time.monotonic() < deadline, "the backlog did not drain"
        found = stack.with_backlog(stack.status(info.port), timeout=5.0)
        statuses += 1
        assert found.executions_running is not None and found.executions_running <= CONCURRENCY
        waiting_seen = max(waiting_seen, found.executions_waiting or 0)
        if found.executions_waiting == 0 and found.executions_running == 0:
            ledger = take_ledger(
                local_stack.dynamodb, local_stack.sqs, info.results_table, info.review_queue_url,
                info.failed_queue_url, keys, reviews_table=info.reviews_table,
            )  # fmt: skip
            if not ledger.missing(keys):
                break
        time.sleep(0.5)
    peak = threads.stop()

    # Each upload ended exactly once, none as a failure.
    ledger = take_ledger(
        local_stack.dynamodb, local_stack.sqs, info.results_table, info.review_queue_url, info.failed_queue_url,
        keys, reviews_table=info.reviews_table,
    )  # fmt: skip
    assert not ledger.missing(keys)
    assert {key: len(found) for key, found in ledger.outcomes.items() if len(found) != 1} == {}
    assert not ledger.by_place("failed")
    assert statuses > 1 and waiting_seen > 0, "the backlog was never visible in the status"
    # Two executions at once (three threads each at most) and the uploaders' connections: not one per upload.
    assert peak <= idle_threads + UPLOADERS + 3 * CONCURRENCY + 16, (idle_threads, peak)
