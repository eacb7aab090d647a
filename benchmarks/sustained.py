"""Sustained load and bursts through one local stack: memory per image, images/s, status latency, threads.

    nice .venv/bin/python benchmarks/sustained.py [--warmup 400] [--uploads 1600] [--concurrency 32]
    nice .venv/bin/python benchmarks/sustained.py --warmup 0 --uploads 200 --cli 1         # aws s3 cp --recursive
    nice .venv/bin/python benchmarks/sustained.py --warmup 0 --uploads 10000 --cli 50      # a burst of 50 cp's

One stack: the warm-up goes through first (its memory is the baseline), then the measured uploads, all sent at
once (boto3 threads, or `--cli K`: K `aws s3 cp --recursive` of a folder each, started together). Reports the
measured uploads' images/s (first upload to last outcome), the CPU time the server and its workers spent per
image (which, unlike images/s, the machine's other load changes little), the resident memory of the server and its
handler workers before and after with the growth per image, `scones status` latency sampled every half second
throughout (it asks the stack for its backlog: two API calls), the server's peak thread count, the largest backlog
seen, and whether every upload ended exactly once with none in the failed queue.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from harness import ROOT, drained, percentile

from service.local import stack
from service.ops.accounting import take_ledger


def photos() -> list[Path]:
    return sorted(p for p in (ROOT / "samples").glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))


def rss(pid: int) -> int:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) of the server and of its workers so far: unlike images/s, what an image costs
    does not depend on what else the machine runs."""
    process = psutil.Process(pid)

    def used(p: psutil.Process) -> float:
        times = p.cpu_times()
        return times.user + times.system

    return used(process), sum(used(p) for p in process.children(recursive=True))


class Probe:
    """`scones status` with the backlog every half second, and the server's thread count every 50 ms."""

    def __init__(self, info: stack.LocalStackStatus) -> None:
        self.info = info
        self.latencies: list[float] = []
        self.failures = 0
        self.threads = 0
        self.waiting = 0
        self.running = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._status, daemon=True), threading.Thread(target=self._count)]
        for thread in self._threads:
            thread.start()

    def _status(self) -> None:
        while not self._stop.wait(0.5):
            started = time.monotonic()
            try:
                found = stack.with_backlog(stack.status(self.info.port), timeout=5.0)
            except stack.StackError:
                self.failures += 1
                continue
            self.latencies.append(time.monotonic() - started)
            self.waiting = max(self.waiting, found.executions_waiting or 0)
            self.running = max(self.running, found.executions_running or 0)

    def _count(self) -> None:
        process = psutil.Process(self.info.pid)
        while not self._stop.wait(0.05):
            self.threads = max(self.threads, process.num_threads())

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def upload(info: stack.LocalStackStatus, prefix: str, count: int, concurrency: int, cli: int) -> set[str]:
    sources = photos()
    names = [f"{prefix}/{i:05d}-{sources[i % len(sources)].name}" for i in range(count)]
    if not cli:
        s3 = info.client("s3")
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda n: s3.upload_file(str(sources[int(n.split("/")[1][:5]) % len(sources)]),
                                                   info.intake_bucket, n), names))  # fmt: skip
        return set(names)
    with tempfile.TemporaryDirectory() as folder:
        for i, name in enumerate(names):
            target = Path(folder) / f"part{i % cli:02d}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sources[i % len(sources)].read_bytes())
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
               "AWS_DEFAULT_REGION": info.region}  # fmt: skip
        aws = str(Path(sys.executable).with_name("aws"))
        commands = [
            subprocess.Popen(
                [
                    aws,
                    "--endpoint-url",
                    str(info.endpoint_url),
                    "s3",
                    "cp",
                    "--recursive",
                    "--only-show-errors",
                    str(Path(folder) / f"part{part:02d}"),
                    f"s3://{info.intake_bucket}/",
                ],
                env=env,
            )
            for part in range(cli)
        ]
        for command in commands:
            if command.wait() != 0:
                raise RuntimeError(f"aws s3 cp exited with {command.returncode}")
    return set(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--uploads", type=int, default=1600)
    parser.add_argument("--concurrency", type=int, default=32, help="boto3 upload threads")
    parser.add_argument("--cli", type=int, default=0, help="upload with this many `aws s3 cp --recursive` at once")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()

    with stack.running() as info:
        if args.warmup:
            drained(info, upload(info, "warmup", args.warmup, args.concurrency, 0), args.timeout)
        time.sleep(2)  # let the metrics forwarders settle
        before = rss(info.pid)
        cpu_before = cpu_seconds(info.pid)
        probe = Probe(info)
        started = time.monotonic()
        keys = upload(info, "measured", args.uploads, args.concurrency, args.cli)
        uploaded = time.monotonic() - started
        drained(info, keys, args.timeout)
        seconds = time.monotonic() - started
        probe.stop()
        cpu_after = cpu_seconds(info.pid)
        time.sleep(2)
        after = rss(info.pid)
        ledger = take_ledger(info.client("dynamodb"), info.client("sqs"), info.results_table, info.review_queue_url,
                             info.failed_queue_url, keys, reviews_table=info.reviews_table)  # fmt: skip
        once = sum(1 for key in keys if len(ledger.outcomes.get(key, [])) == 1)
        failed = len(ledger.by_place("failed"))
        latencies = probe.latencies or [float("nan")]
        how = f"{args.cli} x aws s3 cp --recursive" if args.cli else f"{args.concurrency} boto3 threads"
        print(f"uploads {args.uploads} (after a warm-up of {args.warmup}), sent in {uploaded:.1f} s ({how})")
        print(f"images/s {args.uploads / seconds:.1f}  ({seconds:.1f} s to the last outcome)")
        print(
            f"RSS before {before / 2**20:.0f} MiB, after {after / 2**20:.0f} MiB: "
            f"{(after - before) / 1024 / args.uploads:.1f} KiB per image"
        )
        server_ms, workers_ms = ((b - a) * 1000 / args.uploads for a, b in zip(cpu_before, cpu_after, strict=True))
        print(f"CPU per image {server_ms + workers_ms:.0f} ms (server {server_ms:.0f} ms, workers {workers_ms:.0f} ms)")
        print(
            f"status: {len(probe.latencies)} answers, {probe.failures} failures, p50 "
            f"{statistics.median(latencies):.2f} s, p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s"
        )
        print(f"server threads peak {probe.threads}; backlog peak {probe.waiting} waiting, {probe.running} running")
        print(f"ended exactly once {once} / {args.uploads}; in the failed queue {failed}")  # fmt: skip


if __name__ == "__main__":
    main()
