"""Decode time and peak memory of Serialize's decode for camera-sized JPEGs, reduced-scale against full.

    python -m benchmarks.decode [--runs 5]

Each measurement runs in a fresh process (peak memory is the process's peak RSS above what it held with the file's
bytes already loaded, so one run's allocations cannot hide another's); the figure is the median of the runs.
Linux only (it reads /proc/self/status).
Timed: decoding and shrinking to the model's input, as Serialize does (`decode_for_model`, `fit_to_input`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"12 MP (4000x3000)": (4000, 3000), "48 MP (8000x6000)": (8000, 6000)}


class Figures(BaseModel):
    photo: str
    mode: str
    megabytes: float
    seconds: list[float]
    peak_mib: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def median_peak_mib(self) -> float:
        return statistics.median(self.peak_mib)


def _peak_rss_mib() -> float:
    # The process's high-water mark (VmHWM), not getrusage's ru_maxrss, which Linux carries over from the parent
    # across fork and exec (the parent has just built a 48-megapixel image).
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def measure_once(path: Path, reduced: bool) -> dict[str, float]:
    """One decode in this process (the child side)."""
    from service.domain import preprocessing
    from service.images.decode import decode_for_model, decode_image
    from service.runtime.settings import ImageLimits

    data = path.read_bytes()
    cap = ImageLimits().max_image_pixels
    before = _peak_rss_mib()
    started = time.perf_counter()
    decoded = decode_for_model(data, cap) if reduced else decode_image(data, cap)
    preprocessing.fit_to_input(decoded.image)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mib": _peak_rss_mib() - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        print(json.dumps(measure_once(Path(args.child[0]), args.child[1] == "reduced")))
        return

    from testkit.corpus import camera_jpeg

    rows: list[Figures] = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (width, height) in SIZES.items():
            path = Path(folder) / f"{width}x{height}.jpg"
            path.write_bytes(camera_jpeg(width, height))
            for mode in ("reduced", "full"):
                runs = [
                    json.loads(
                        subprocess.run(
                            [sys.executable, "-m", "benchmarks.decode", "--child", str(path), mode],
                            check=True, capture_output=True, text=True, cwd=ROOT,
                        ).stdout
                    )
                    for _ in range(args.runs)
                ]  # fmt: skip
                rows.append(
                    Figures(
                        photo=name,
                        mode=mode,
                        megabytes=path.stat().st_size / 1e6,
                        seconds=[r["seconds"] for r in runs],
                        peak_mib=[r["peak_mib"] for r in runs],
                    )
                )
    print(f"| photo | JPEG size | decode | time (median of {args.runs}) | peak memory above the bytes |")
    print("|---|---:|---|---:|---:|")
    for row in rows:
        print(
            f"| {row.photo} | {row.megabytes:.1f} MB | {row.mode} | {row.median_ms:.0f} ms | "
            f"{row.median_peak_mib:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
