"""The project ships only what it made: samples rendered by its own script, nothing copied from the data sets."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from testkit.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


def test_samples_are_exactly_what_the_render_script_makes() -> None:
    rendered = load_script("render_samples").samples()
    committed = {p.name: p.read_bytes() for p in (ROOT / "samples").iterdir() if p.suffix != ".md"}
    assert set(committed) == set(rendered)
    assert all(committed[name] == rendered[name] for name in rendered), "run scripts/render_samples.py"


def test_no_committed_file_is_a_copy_of_the_data_sets() -> None:
    tracked = {_sha256(path): path for path in _tracked_files()}
    assert ROOT / "samples" / "bicycle-1.png" in tracked.values()
    # The data sets sit beside the project in development and CI; a user's clone has none to compare with.
    data = [p for p in SHARED_DATA.rglob("*") if p.is_file()] if SHARED_DATA.is_dir() else []
    copies = sorted(str(tracked[h].relative_to(ROOT)) for h in {_sha256(p) for p in data} & tracked.keys())
    assert copies == []
