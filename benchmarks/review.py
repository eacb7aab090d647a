"""The review desk at volume: 10,000 pending items seeded straight into the store (not through the pipeline) on
a throwaway local stack, then p50/p95 of list (first page of 50), resolve and next.

    python benchmarks/review.py [--items 10000] [--runs 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.domain.model_card import load_model_card  # noqa: E402
from service.local.stack import running  # noqa: E402
from service.review.desk import ReviewDesk  # noqa: E402
from service.runtime.settings import get_settings  # noqa: E402
from testkit.reviews import seed_pending  # noqa: E402


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(action: Callable[[], object], runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        took.append((time.perf_counter() - started) * 1000)
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args(argv)
    classes = load_model_card(get_settings().model_card_path).classes
    with running() as info:
        dynamodb, sqs = info.client("dynamodb"), info.client("sqs")
        assert info.reviews_table
        started = time.monotonic()
        keys = seed_pending(dynamodb, sqs, info.reviews_table, info.review_queue_url, args.items, info.intake_bucket)
        seeded_s = time.monotonic() - started
        desk = ReviewDesk(dynamodb, sqs, info.results_table, info.reviews_table, info.review_queue_url, classes)
        desk.pending(limit=50)  # warm the clients' connections
        to_resolve = iter(keys[len(keys) // 2 :])
        # One reviewer holds one item at a time: each `next` is a different reviewer's, as on a busy desk.
        reviewers = (f"bench-{n}@example.com" for n in range(10**9))
        figures = {
            "list (first page of 50)": timed(lambda: desk.pending(limit=50), args.runs),
            "list --sort uncertainty": timed(lambda: desk.pending(limit=50, sort="uncertainty"), args.runs),
            "resolve": timed(lambda: desk.resolve(next(to_resolve), "bicycle", "bench"), args.runs),
            "next": timed(lambda: desk.next(next(reviewers)), args.runs),
            "pending count (waiting)": timed(desk.reviews.count_pending, args.runs),
        }
        pending = desk.reviews.count_pending()
    print(f"{args.items} pending items seeded in {seeded_s:.1f} s; {args.runs} runs each; {pending} pending at the end")
    print("| operation | p50 (ms) | p95 (ms) |\n|---|---:|---:|")
    for name, samples in figures.items():
        print(f"| {name} | {statistics.median(samples):.1f} | {percentile(samples, 0.95):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
