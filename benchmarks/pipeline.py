"""End-to-end throughput and latency of the pipeline on the local stack.

    .venv/bin/python benchmarks/pipeline.py [--images 200] [--concurrency 16] [--runs 3]

Each run starts a fresh local stack, uploads N images with concurrent boto3 clients (as users would), waits until
every one is accounted for (results table, review queue or failed queue), and reports images/s and the latency
from the end of each upload to its record's `completed_at`. The figure printed is the median over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.accounting import take_ledger  # noqa: E402
from service.local.stack import running  # noqa: E402
from service.stores import Queue  # noqa: E402


def images(count: int) -> list[tuple[str, bytes]]:
    sources = sorted(p for p in (ROOT / "samples").glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))
    return [
        (f"bench/{i:05d}-{sources[i % len(sources)].name}", sources[i % len(sources)].read_bytes())
        for i in range(count)
    ]


def run_once(count: int, concurrency: int) -> dict[str, float]:
    with running() as info:
        kwargs = {
            "endpoint_url": info.endpoint_url,
            "region_name": info.region,
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
        s3, sqs, dynamodb = (boto3.client(name, **kwargs) for name in ("s3", "sqs", "dynamodb"))
        uploads = images(count)
        uploaded_at: dict[str, datetime] = {}

        def put(item: tuple[str, bytes]) -> None:
            s3.put_object(Bucket=info.intake_bucket, Key=item[0], Body=item[1])
            uploaded_at[item[0]] = datetime.now(UTC)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(put, uploads))
        keys = set(uploaded_at)
        review, failed = Queue(sqs, info.review_queue_url), Queue(sqs, info.failed_queue_url)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            # Cheap polling: table item count and queue depths; the exact ledger is taken once at the end.
            stored = dynamodb.scan(TableName=info.results_table, Select="COUNT")["Count"]
            if stored + review.depth() + failed.depth() >= count:
                break
            time.sleep(0.5)
        finished = time.monotonic()
        ledger = take_ledger(dynamodb, sqs, info.results_table, info.review_queue_url, info.failed_queue_url, keys)
        latencies = [
            (outcome.record.completed_at - uploaded_at[key]).total_seconds()
            for key, found in ledger.outcomes.items()
            for outcome in found
            if outcome.record is not None
        ]
        return {
            "accounted": float(len(ledger.outcomes)),
            "duplicated": float(len(ledger.duplicated())),
            "seconds": finished - started,
            "images_per_s": count / (finished - started),
            "p50_s": statistics.median(latencies),
            "p95_s": statistics.quantiles(latencies, n=20)[-1],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for run in range(1, args.runs + 1):
        result = run_once(args.images, args.concurrency)
        results.append(result)
        print(
            f"run {run}: {result['accounted']:.0f}/{args.images} accounted, {result['duplicated']:.0f} duplicated, "
            f"{result['images_per_s']:.1f} images/s, p50 {result['p50_s']:.2f} s, p95 {result['p95_s']:.2f} s"
        )
    print()
    print("| images | concurrency | runs | accounted | images/s (median) | p50 latency | p95 latency |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    median = {name: statistics.median(r[name] for r in results) for name in results[0]}
    print(
        f"| {args.images} | {args.concurrency} | {args.runs} | {min(r['accounted'] for r in results):.0f} "
        f"| {median['images_per_s']:.1f} | {median['p50_s']:.2f} s | {median['p95_s']:.2f} s |"
    )


if __name__ == "__main__":
    main()
