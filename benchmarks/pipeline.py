"""End-to-end throughput and latency of the pipeline on the local stack.

    .venv/bin/python benchmarks/pipeline.py [--images 200] [--concurrency 16] [--runs 3]

Each run starts a fresh local stack, uploads N sample images with concurrent boto3 clients (as users would), waits
until every one is accounted for (results table, review queue or failed queue), and reports images/s and the
latency from the end of each upload to its record's `completed_at`. The table shows the median over the runs.
"""

from __future__ import annotations

import argparse

from harness import ROOT, median_figures, run_once


def sample_uploads(count: int) -> list[tuple[str, bytes]]:
    sources = sorted(p for p in (ROOT / "samples").glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))
    return [
        (f"bench/{i:05d}-{sources[i % len(sources)].name}", sources[i % len(sources)].read_bytes())
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for run in range(1, args.runs + 1):
        figures = run_once(sample_uploads(args.images), args.concurrency)
        runs.append(figures)
        print(f"run {run}: {figures.model_dump_json()}", flush=True)
    m = median_figures(runs)
    print()
    print("| images | concurrency | runs | accounted (min) | images/s | p50 latency | p95 latency |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.images} | {args.concurrency} | {args.runs} | {min(r.accounted for r in runs)} "
        f"| {m.images_per_s:.1f} | {m.p50_s:.2f} s | {m.p95_s:.2f} s |"
    )


if __name__ == "__main__":
    main()
