"""A kept local stack killed with SIGKILL in the middle of a load, then started again on the same port.

Uploads `--images` photos one by one; the server is killed once `--kill-after` of them were acknowledged (the
uploader keeps going until its requests fail). `scones up` on the same port then restores the data and re-drives
what had no outcome. Prints the start-up time after the crash, how many uploads S3 acknowledged, and how many of
them ended exactly once (the goal: all). Also: the cost of durability per upload, as the median PutObject latency
on a kept stack and on an ephemeral one, and the journal's fsyncs per journaled request.

    python benchmarks/crash.py [--images 200] [--kill-after 120]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.local import stack  # noqa: E402
from service.ops.accounting import wait_until_accounted  # noqa: E402

PARAMETERS = {"AuditRate": "0"}


def _samples() -> list[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / "samples").glob("*")) if p.suffix != ".md"]


def put_latency(ephemeral: bool, count: int) -> float:
    """Median milliseconds of a sequential PutObject of a sample image."""
    images = _samples()
    with stack.running(parameters=PARAMETERS, ephemeral=ephemeral) as info:
        s3 = info.client("s3")
        took = []
        for n in range(count):
            started = time.perf_counter()
            s3.put_object(Bucket=info.intake_bucket, Key=f"latency/{n}.img", Body=images[n % len(images)])
            took.append((time.perf_counter() - started) * 1000)
        return statistics.median(took)


def crash(images_count: int, kill_after: int) -> None:
    images = _samples()
    port = stack.free_port()
    info = stack.up(port, parameters=PARAMETERS)
    try:
        s3 = info.client("s3")
        acknowledged: list[str] = []

        def upload() -> None:
            for n in range(images_count):
                key = f"crash/{n:04}.img"
                try:
                    s3.put_object(Bucket=info.intake_bucket, Key=key, Body=images[n % len(images)])
                except Exception:
                    return
                acknowledged.append(key)

        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        while len(acknowledged) < kill_after and uploader.is_alive():
            time.sleep(0.01)
        os.kill(info.pid, signal.SIGKILL)
        killed_at = len(acknowledged)
        uploader.join(120)
        started = time.perf_counter()
        info = stack.up(port, parameters=PARAMETERS)
        restart = time.perf_counter() - started
        keys = set(acknowledged)
        ledger = wait_until_accounted(
            info.client("dynamodb"), info.client("sqs"), info.results_table, info.review_queue_url,
            info.failed_queue_url, keys, timeout=600, reviews_table=info.reviews_table,
        )  # fmt: skip
        once = sum(1 for key in keys if len(ledger.outcomes.get(key, [])) == 1)
        print(f"killed after {killed_at} acknowledged; {len(keys)} acknowledged in all (of {images_count} tried)")
        print(f"scones up after the crash: {restart:.1f} s")
        print(f"ended exactly once: {once} of {len(keys)}; missing {len(ledger.missing(keys))}; "
              f"with two outcomes {len(ledger.duplicated())}")  # fmt: skip
    finally:
        stack.down(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--kill-after", type=int, default=120)
    parser.add_argument("--latency-puts", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as state:
        os.environ["SCONES_STATE_DIR"] = state
        kept, ephemeral = put_latency(False, args.latency_puts), put_latency(True, args.latency_puts)
        print(
            f"PutObject p50: kept {kept:.1f} ms, ephemeral {ephemeral:.1f} ms (durability: {kept - ephemeral:+.1f} ms)"
        )
        crash(args.images, args.kill_after)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
