"""What the pipeline and load benchmarks share: a fresh local stack, concurrent uploads, the wait, the figures."""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.local.stack import LocalStackStatus, StackError, running, status, with_backlog  # noqa: E402
from service.ops.accounting import take_ledger  # noqa: E402


class RunFigures(BaseModel):
    uploaded: int
    accounted: int
    duplicated: int
    seconds: float
    images_per_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    peak_rss_mb: float


class PeakMemory:
    """Samples the stack's resident memory (server and handler workers) in the background."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self._process, *self._process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in processes))
            except psutil.Error:
                pass
            self._stop.wait(0.2)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def drained(info: LocalStackStatus, keys: set[str], timeout: float) -> None:
    """Waits until no execution waits or runs (the stack's backlog metrics) and every key has an outcome: each
    upload's event is in the backlog before its PUT answers. (The stack keeps only the latest EXPRESS executions,
    as AWS keeps none, so counting them cannot tell.)"""
    dynamodb, sqs = info.client("dynamodb"), info.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = with_backlog(status(info.port), timeout=5.0)
        except StackError:
            time.sleep(0.5)
            continue
        if found.executions_waiting == 0 and found.executions_running == 0:
            ledger = take_ledger(dynamodb, sqs, info.results_table, info.review_queue_url, info.failed_queue_url,
                                 keys, reviews_table=info.reviews_table)  # fmt: skip
            if not ledger.missing(keys):
                return
        time.sleep(0.5)
    raise TimeoutError("the stack did not drain")


def run_once(uploads: Sequence[tuple[str, bytes]], concurrency: int, timeout: float = 900) -> RunFigures:
    with running() as info, PeakMemory(info.pid) as memory:
        s3, sqs, dynamodb = (info.client(name) for name in ("s3", "sqs", "dynamodb"))
        uploaded_at: dict[str, datetime] = {}

        def put(item: tuple[str, bytes]) -> None:
            s3.put_object(Bucket=info.intake_bucket, Key=item[0], Body=item[1])
            uploaded_at[item[0]] = datetime.now(UTC)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(put, uploads))
        drained(info, set(uploaded_at), timeout)
        finished = time.monotonic()
        keys = set(uploaded_at)
        ledger = take_ledger(
            dynamodb, sqs, info.results_table, info.review_queue_url, info.failed_queue_url, keys, consume=True,
            reviews_table=info.reviews_table,
        )  # fmt: skip
        latencies = []
        for key, found in ledger.outcomes.items():
            for outcome in found:
                done = (
                    outcome.record.completed_at
                    if outcome.record
                    else outcome.failure.failed_at
                    if outcome.failure
                    else None
                )
                if done is not None:
                    latencies.append((done - uploaded_at[key]).total_seconds())
        return RunFigures(
            uploaded=len(uploads),
            accounted=sum(1 for key in keys if len(ledger.outcomes.get(key, [])) == 1),
            duplicated=len(ledger.duplicated()),
            seconds=finished - started,
            images_per_s=len(uploads) / (finished - started),
            p50_s=percentile(latencies, 0.50),
            p95_s=percentile(latencies, 0.95),
            p99_s=percentile(latencies, 0.99),
            peak_rss_mb=memory.peak / 2**20,
        )


def median_figures(runs: Sequence[RunFigures]) -> RunFigures:
    fields = RunFigures.model_fields
    return RunFigures(**{name: statistics.median(getattr(r, name) for r in runs) for name in fields})
