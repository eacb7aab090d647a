"""What `scones up` costs in time: `scones up --detach` on a fresh state directory, then `scones down`.

    .venv/bin/python benchmarks/startup.py [--runs 3] [--port 4690]

Each run is two new processes, as a user types them, with a throwaway state directory (nothing kept from the run
before). `up` is timed from the command's start until it returns (the stack is ready: template deployed, user pool,
handler workers started); `down` until it returns. Prints each run and the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(*args: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=4690)
    args = parser.parse_args()
    ups, downs = [], []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="scones-startup-") as state:
            env = {**os.environ, "SCONES_STATE_DIR": state, "PYTHONPATH": str(ROOT)}
            up = timed("up", "--detach", "--port", str(args.port), env=env)
            down = timed("down", "--port", str(args.port), env=env)
        ups.append(up)
        downs.append(down)
        print(f"run {run}: up {up:.1f} s, down {down:.1f} s", flush=True)
    load = os.getloadavg()[0]
    print(f"median of {args.runs}: up {statistics.median(ups):.1f} s, down {statistics.median(downs):.1f} s")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
