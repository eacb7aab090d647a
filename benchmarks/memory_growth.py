"""What grows in the local stack's server per image: tracemalloc over a run of uploads, server in this process.

    nice .venv/bin/python benchmarks/memory_growth.py [--warmup 100] [--uploads 300] [--top 25]

Starts the server here (as `scones up` does), sends a warm-up, then the measured uploads, and prints the
allocations still held after the measured uploads that were not there before, grouped by where they were made
(per image), with the server's resident memory and that of its handler workers.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import psutil
from harness import ROOT

from service.local.stack import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--uploads", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frames", type=int, default=1)
    args = parser.parse_args()

    tracemalloc.start(args.frames)
    from service.local import backlog, server

    state = Path(tempfile.mkdtemp()) / "stack.json"
    port = free_port()
    _, status = server.start(port, state_file=state)
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    photos = sorted(p for p in (ROOT / "samples").glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))
    bodies = [p.read_bytes() for p in photos]

    def send(prefix: str, count: int) -> None:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: s3.put_object(Bucket=status["intake_bucket"], Key=f"{prefix}/{i:05d}.png",
                                                  Body=bodies[i % len(bodies)]), range(count)))  # fmt: skip
        runner = backlog.current()
        while runner.waiting or runner.running:
            time.sleep(0.2)
        time.sleep(3)  # the metrics forwarders' last batches

    def resident() -> str:
        me = psutil.Process()
        workers = sum(p.memory_info().rss for p in me.children(recursive=True))
        return f"server {me.memory_info().rss / 2**20:.0f} MiB, workers {workers / 2**20:.0f} MiB"

    send("warmup", args.warmup)
    gc.collect()
    before = tracemalloc.take_snapshot()
    print("after the warm-up:", resident(), flush=True)
    started = time.monotonic()
    send("measured", args.uploads)
    print(f"{args.uploads / (time.monotonic() - started):.1f} images/s", flush=True)
    gc.collect()
    after = tracemalloc.take_snapshot()
    print("after the measured uploads:", resident())
    stats = after.compare_to(before, "traceback" if args.frames > 1 else "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"traced growth {total / 1024 / args.uploads:.1f} KiB per image; the largest:")
    for stat in stats[: args.top]:
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback)
        print(
            f"  {stat.size_diff / 1024 / args.uploads:8.2f} KiB/image "
            f"{stat.count_diff / args.uploads:7.1f} objects  {where}"
        )


if __name__ == "__main__":
    main()
