"""Executions wait in a bounded queue and run with bounded concurrency, as Lambda's concurrency bounds them on AWS.

moto starts every execution on threads of its own at once (three per execution while it runs): a burst of 1,000
uploads made 3,000 threads that all queued for a few handler processes, the server stopped answering, and the
state timeouts of executions that had waited too long turned good images into failures. Here every execution,
whether EventBridge or StartExecution started it, waits in a FIFO queue until one of SCONES_LOCAL_CONCURRENCY
runner threads is free, then runs to its end on that thread. Waiting costs no state's time (a state's clock starts
when the execution runs), so a backlog of any size drains without a failure; the threads stay bounded by the
concurrency whatever the backlog.

The queue holds SCONES_LOCAL_BACKLOG executions; when it is full, the write that would add one waits for room
(the uploader is slowed, nothing is dropped). The numbers of waiting and running executions are published every
second as high-resolution metrics (`BACKLOG_NAMESPACE`), which `scones status` reads.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 8
DEFAULT_CAPACITY = 100_000
BACKLOG_NAMESPACE = "Scones/LocalStack"
WAITING_METRIC = "ExecutionsWaiting"
RUNNING_METRIC = "ExecutionsRunning"

Job = Callable[[], None]


def concurrency() -> int:
    value = int(os.environ.get("SCONES_LOCAL_CONCURRENCY", DEFAULT_CONCURRENCY))
    if value < 1:
        raise ValueError("SCONES_LOCAL_CONCURRENCY must be >= 1")
    return value


def capacity() -> int:
    value = int(os.environ.get("SCONES_LOCAL_BACKLOG", DEFAULT_CAPACITY))
    if value < 1:
        raise ValueError("SCONES_LOCAL_BACKLOG must be >= 1")
    return value


class Backlog:
    """A FIFO of jobs (one execution each) run by a fixed set of threads."""

    def __init__(self, concurrency: int, capacity: int, publish: Callable[[int, int], None] | None = None) -> None:
        self.concurrency = concurrency
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=capacity)
        self._running = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._publish = publish
        self._local = threading.local()
        self._threads = [
            threading.Thread(target=self._run, name=f"execution-{i}", daemon=True) for i in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()
        if publish is not None:
            threading.Thread(target=self._report, name="backlog-metrics", daemon=True).start()

    def submit(self, job: Job) -> None:
        """Queues a job; blocks while the queue is full."""
        if self._stopped.is_set():
            raise RuntimeError("the local stack is stopping")
        self._jobs.put(job)

    def in_runner(self) -> bool:
        """Whether the calling thread is one of the runners (an execution started from one runs inline)."""
        return bool(getattr(self._local, "runner", False))

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    @property
    def running(self) -> int:
        return self._running

    def _run(self) -> None:
        self._local.runner = True
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                self._running += 1
            try:
                job()
            except Exception:
                log.exception("an execution ended with an error of the local stack")
            finally:
                with self._lock:
                    self._running -= 1

    def _report(self) -> None:
        assert self._publish is not None
        last = (0, 0)
        while not self._stopped.wait(1.0):
            now = (self.waiting, self.running)
            # Nothing to say while idle (as AWS publishes no datapoint without activity), one zero once drained.
            if now == (0, 0) and last == (0, 0):
                continue
            try:
                self._publish(*now)
            except Exception:
                log.exception("could not publish the backlog metrics")
            last = now

    def shutdown(self) -> None:
        """Drops what waits (nothing runs after the stack stops) and lets the runners end after their execution."""
        self._stopped.set()
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._jobs.put(None)


_backlog: Backlog | None = None


def _publish_to_cloudwatch(region: str) -> Callable[[int, int], None]:
    def publish(waiting: int, running: int) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.core.utils import utcnow

        now = utcnow()  # naive, as moto keeps the timestamps it parses
        data: list[dict[str, Any]] = [
            {"MetricName": name, "Value": float(value), "Unit": "Count", "Timestamp": now, "StorageResolution": 1}
            for name, value in ((WAITING_METRIC, waiting), (RUNNING_METRIC, running))
        ]
        cloudwatch_backends[DEFAULT_ACCOUNT_ID][region].put_metric_data(BACKLOG_NAMESPACE, data)

    return publish


def install(region: str) -> Backlog:
    global _backlog
    if _backlog is None:
        _backlog = Backlog(concurrency(), capacity(), _publish_to_cloudwatch(region))
    return _backlog


def current() -> Backlog:
    assert _backlog is not None, "backlog.install() starts the runners"
    return _backlog


def shutdown() -> None:
    if _backlog is not None:
        _backlog.shutdown()


def start_worker(original: Callable[[Any], None]) -> Callable[[Any], None]:
    """Replaces `ExecutionWorker.start`: the execution's logic waits in the backlog instead of starting a thread
    now; on a runner thread (EventBridge's deliveries start their executions there) it runs inline."""

    def start(self: Any) -> None:
        backlog = current()
        if backlog.in_runner():
            self._execution_logic()
        else:
            backlog.submit(self._execution_logic)

    return start
