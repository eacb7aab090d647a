"""The local stack's state on disk, in its data directory (one per port).

- `stack.json`: who wrote the data (scones and moto versions, the journal's format), the seed that makes
  provisioning give the same names, and the stack's identifiers and review port, checked at every start.
- `journal.wal`: every acknowledged change (`capture`), fsynced before its response (`journal`).

Why a journal of requests rather than snapshots of moto's objects: a request is moto's public, stable input, the
record is written before the client hears 200 (a snapshot taken every few seconds would lose what came between),
and replay rebuilds exactly the state moto built, with the same identifiers (`tape`). A clean `down` compacts the
journal (`snapshot`), so the next start restores what is kept rather than replaying every request ever made.
"""

from __future__ import annotations

import json
import os
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

#: The journal's format: a change to what a record holds or how it replays bumps it. 2: snapshot records.
FORMAT = 2
#: Formats this version replays (a format-1 journal is a format-2 journal without a snapshot).
READABLE = (1, 2)
MANIFEST, JOURNAL = "stack.json", "journal.wal"
#: A journal larger than this is compacted when the stack starts (after replaying it) and while it runs.
COMPACT_BYTES = int(os.environ.get("SCONES_COMPACT_BYTES", str(256 * 1024 * 1024)))


class DataDirError(RuntimeError):
    """The data directory cannot be used by this version, or no longer matches the stack."""


def scones_version() -> str:
    try:
        return version("scones")
    except PackageNotFoundError:
        return "unknown"


class Manifest(BaseModel):
    format: int = FORMAT
    scones_version: str = Field(default_factory=scones_version)
    moto_version: str = Field(default_factory=lambda: version("moto"))
    #: moto's generator is seeded with it before provisioning: the same template gives the same names.
    seed: int = Field(default_factory=lambda: secrets.randbits(31))
    port: int
    review_port: int | None = None
    #: The stack's names, URLs and ids as `scones status --json` gave them.
    identifiers: dict[str, Any] = Field(default_factory=dict)


def read_manifest(data_dir: Path) -> Manifest | None:
    path = data_dir / MANIFEST
    return Manifest.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


def write_manifest(data_dir: Path, manifest: Manifest) -> None:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = data_dir / (MANIFEST + ".partial")
    partial.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    partial.replace(data_dir / MANIFEST)


def check_versions(data_dir: Path, manifest: Manifest, port: int) -> None:
    """Stops with what to do when this scones or moto cannot replay the data (a moto release may draw its ids
    or parse its requests differently: replay needs the one that recorded)."""
    here = Manifest(port=port)
    if manifest.format in READABLE and manifest.moto_version == here.moto_version:
        return
    raise DataDirError(
        f"The data in {data_dir} was written by scones {manifest.scones_version} with moto "
        f"{manifest.moto_version} (journal format {manifest.format}); this is scones {here.scones_version} with "
        f"moto {here.moto_version} (format {here.format}), which cannot replay it.\n"
        f"To move the data across: with the moto that wrote it (`pip install 'moto=={manifest.moto_version}'`), "
        f"`scones up --port {port} --detach && scones export --port {port} EXPORT_DIR && scones down --port {port}`; "
        f"then with this version, `mv {data_dir} {data_dir}.old && scones up --port {port} --detach && "
        f"scones import --port {port} EXPORT_DIR`."
    )


def compare_identifiers(data_dir: Path, recorded: dict[str, Any], now: dict[str, Any]) -> None:
    changed = {name: (recorded[name], now.get(name)) for name in recorded if recorded[name] != now.get(name)}
    if changed:
        lines = "\n".join(f"  {name}: {old} -> {new}" for name, (old, new) in sorted(changed.items()))
        raise DataDirError(
            f"The stack deployed now does not have the names its data in {data_dir} was kept under (the template "
            f"or its parameters changed):\n{lines}\nStart it with the template and parameters it was made with, or "
            f"keep a copy and clear it (`mv {data_dir} {data_dir}.old`) to start afresh."
        )


def identifiers_of(status: dict[str, Any]) -> dict[str, Any]:
    """What must not change across restarts: every name, URL and id the status gives, not the process's own."""
    volatile = {"pid", "iam", "access_log", "deployed_roles", "data_dir", "journal"}
    return {k: v for k, v in status.items() if k not in volatile and v is not None}


def route_s3_events() -> None:
    """S3's events leave only once their write is durable (after the journal's fsync, outside the lock that
    orders journaled writes: a delivery that waits for room in the execution queue never holds up other writes),
    and not at all during replay (the upload was delivered when it was made; its outcome, or the re-drive, covers
    it)."""
    from moto.s3 import notifications

    from service.local.persistence import capture

    original = notifications.send_event

    def send_event(*args: Any, **kwargs: Any) -> None:
        if capture.replaying():
            return
        if not capture.defer(lambda: original(*args, **kwargs)):
            original(*args, **kwargs)

    notifications.send_event = send_event


def describe(data_dir: Path) -> dict[str, Any]:
    manifest = read_manifest(data_dir)
    journal = data_dir / JOURNAL
    return {
        "data_dir": str(data_dir),
        "manifest": json.loads(manifest.model_dump_json()) if manifest else None,
        "journal_bytes": journal.stat().st_size if journal.exists() else 0,
    }
