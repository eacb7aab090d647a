"""The outcome events' committed artefacts: JSON Schemas (schemas/events/) and real examples
(schemas/events/examples.json, which the docs' "Outcome events" page includes), both generated here and both
checked by tests.

    python -m tests.event_examples --schemas     # rewrite schemas/events/image-*.json from the Pydantic models
    python -m tests.event_examples --examples    # run a local stack, capture one event of each kind, rewrite the
                                                 # examples file
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from service.domain.outcome_events import (
    DETAILS,
    IMAGE_FAILED,
    IMAGE_REVIEWED,
    IMAGE_SENT_TO_REVIEW,
    json_schemas,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = ROOT / "schemas" / "events"
EXAMPLES_PATH = SCHEMAS_DIR / "examples.json"
#: The docs page that shows the events, and how it includes the committed files (pymdownx.snippets).
EVENTS_PAGE = ROOT / "docs" / "events.md"


def snippet(path: Path) -> str:
    return f'--8<-- "{path.relative_to(ROOT).as_posix()}"'


#: What the examples upload (from samples/ and tests/neither.py), and the decision made on the review.
UPLOADS = {
    "photos/bicycle 1.png": "bicycle-1.png",
    "photos/broken.jpg": "broken.jpg",
}
NEITHER_KEY = "photos/not a two-wheeler.png"


def schema_texts() -> dict[str, str]:
    return {name: json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in json_schemas().items()}


def write_schemas() -> None:
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in schema_texts().items():
        (SCHEMAS_DIR / name).write_text(text, encoding="utf-8")


def load_examples() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return loaded


def _local_paths_as_lambda(value: str) -> str:
    """A failure's cause carries the function's stack trace; locally its files are in this checkout and the
    virtualenv, on Lambda both are under /var/task."""
    import site

    for path in sorted({str(ROOT), *site.getsitepackages()}, key=len, reverse=True):
        value = value.replace(path, "/var/task")
    return value


def capture(info: Any, samples: Path) -> dict[str, dict[str, Any]]:
    """One real event of each kind from the stack described by `info`: two uploads, a photo of neither class, and
    a person's decision on it."""
    from service.cli.review import open_desk
    from service.ops.event_tap import EventTap
    from testkit.corpus import encode
    from tests.neither import noise

    s3 = info.client("s3")
    found: dict[str, dict[str, Any]] = {}
    with EventTap(info.client("events"), info.client("sqs"), info.event_bus_name) as tap:
        for key, sample in UPLOADS.items():
            s3.put_object(Bucket=info.intake_bucket, Key=key, Body=(samples / sample).read_bytes())
        s3.put_object(Bucket=info.intake_bucket, Key=NEITHER_KEY, Body=encode(noise((800, 600), seed=9), "PNG"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(found) < len(DETAILS):
            for event in tap.receive(wait_seconds=1):
                if event.detail.get("key") not in (*UPLOADS, NEITHER_KEY):
                    continue  # an earlier upload's, late
                found.setdefault(event.detail_type, event.model_dump(mode="json", by_alias=True))
                if event.detail_type == IMAGE_SENT_TO_REVIEW:
                    open_desk(info).resolve(NEITHER_KEY, "other", "ana@example.com")
                if event.detail_type == IMAGE_REVIEWED:
                    open_desk(info).undo(NEITHER_KEY, "ana@example.com", window_s=300)
    missing = set(DETAILS) - set(found)
    if missing:
        raise RuntimeError(f"no {', '.join(sorted(missing))} event within 2 minutes")
    failed = found[IMAGE_FAILED]["detail"]
    failed["cause"] = _local_paths_as_lambda(failed["cause"])
    return {kind: found[kind] for kind in DETAILS}


def _write_examples() -> None:
    from service.local import stack

    os.environ.setdefault("SCONES_STATE_DIR", tempfile.mkdtemp(prefix="scones-examples-"))
    with stack.running(parameters={"AuditRate": "0"}) as info:  # no audit drawn at random
        examples = capture(info, ROOT / "samples")
    EXAMPLES_PATH.write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


#: Fields that differ on every run (ids, times, the account's names); the rest must match the committed examples.
VOLATILE = {"id", "time", "account", "region", "resources", "bucket", "version_id", "upload_id", "outcome_id"}
VOLATILE_DETAIL = {"version_id", "upload_id", "outcome_id", "bucket", "cause", "reviewed_at", "undone_at", "confidence"}
VOLATILE_DETAIL |= {"probabilities", "recognition", "model_confidence", "threshold", "model_version"}


def stable_part(event: dict[str, Any]) -> dict[str, Any]:
    """What a run must reproduce: every field's presence, and the values that do not depend on the run."""
    shown = {k: (v if k not in VOLATILE else type(v).__name__) for k, v in event.items() if k != "detail"}
    shown["detail"] = {k: (v if k not in VOLATILE_DETAIL else type(v).__name__) for k, v in event["detail"].items()}
    return shown


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schemas", action="store_true")
    parser.add_argument("--examples", action="store_true")
    chosen = parser.parse_args()
    if chosen.schemas:
        write_schemas()
    if chosen.examples:
        _write_examples()
