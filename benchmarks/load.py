"""Load: N uploads, a tenth of them bad, at concurrency C through the local stack; nothing may be lost.

    .venv/bin/python benchmarks/load.py [--uploads 1000] [--bad-fraction 0.1] [--concurrency 32] [--runs 3]

Reports uploads accounted for exactly once (must equal uploads), throughput, p50/p95/p99 latency from upload to
outcome, and the stack's peak resident memory (server plus handler workers). The table shows the median of runs.
"""

from __future__ import annotations

import argparse
import random

from harness import ROOT, median_figures, run_once


def load_uploads(count: int, bad_fraction: float, seed: int = 0) -> list[tuple[str, bytes]]:
    from testkit.corpus import bad_inputs

    rng = random.Random(seed)
    good = sorted(p for p in (ROOT / "samples").glob("*.png") if p.name.startswith(("bicycle", "motorcycle")))
    bad = list(bad_inputs())
    uploads = []
    for i in range(count):
        if rng.random() < bad_fraction:
            item = bad[i % len(bad)]
            uploads.append((f"load/bad/{i:05d} {item.name}", item.data))
        else:
            path = good[i % len(good)]
            uploads.append((f"load/good/{i:05d} {path.name}", path.read_bytes()))
    return uploads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--bad-fraction", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for run in range(1, args.runs + 1):
        figures = run_once(load_uploads(args.uploads, args.bad_fraction, seed=run), args.concurrency)
        runs.append(figures)
        print(f"run {run}: {figures.model_dump_json()}", flush=True)
    m = median_figures(runs)
    print()
    print(
        "| uploads | bad | concurrency | runs | accounted exactly once (min) | images/s | p50 | p95 | p99 | peak RSS |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.uploads} | {args.bad_fraction:.0%} | {args.concurrency} | {args.runs} "
        f"| {min(r.accounted for r in runs)} / {args.uploads} | {m.images_per_s:.1f} | {m.p50_s:.2f} s "
        f"| {m.p95_s:.2f} s | {m.p99_s:.2f} s | {m.peak_rss_mb:.0f} MB |"
    )


if __name__ == "__main__":
    main()
