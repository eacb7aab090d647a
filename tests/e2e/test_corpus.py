"""Hostile and unusual uploads through a real local stack: each lands exactly once where it should."""

from __future__ import annotations

from pathlib import Path

from testkit.corpus import DEFAULT_MAX_BYTES, bad_inputs, over_cap, unusual_valid
from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

# Key shapes that break naive code: spaces, '+', '%', unicode, deep prefixes.
PREFIXES = ["corpus/", "with space/", "plus+sign/", "per%25cent/", "ünï cødé/", "a/b/c/d/e/f/g/h/"]


def test_bad_and_unusual_uploads_each_land_once_where_they_should(local_stack: StackClients) -> None:
    bucket = local_stack.info.intake_bucket
    expected: dict[str, str] = {}
    items = [*bad_inputs(), *unusual_valid(), over_cap(DEFAULT_MAX_BYTES + 1)]
    for index, item in enumerate(items):
        key = PREFIXES[index % len(PREFIXES)] + item.name
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=item.data)
        expected[key] = item.expected
    # A folder marker is not an upload: nothing may come of it.
    local_stack.s3.put_object(Bucket=bucket, Key="corpus/empty folder/", Body=b"")

    ledger = wait(local_stack, set(expected), timeout=120)
    ledger = wait(local_stack, set(expected) | {"corpus/empty folder/"}, timeout=1)

    assert ledger.missing(set(expected)) == set()
    assert ledger.duplicated() == {}
    assert "corpus/empty folder/" not in ledger.outcomes
    for key, code in expected.items():
        (outcome,) = ledger.outcomes[key]
        if code == "ok":
            assert outcome.place in ("results", "review"), (key, outcome)
        else:
            assert outcome.place == "failed", (key, outcome)
            assert outcome.failure is not None
            assert (outcome.failure.error, outcome.failure.step) == (code, "Serialize"), key
            assert outcome.failure.reason and not outcome.failure.reason.startswith("{"), key
    # Failed objects are left as they were uploaded.
    empty_key = next(key for key in expected if key.endswith("empty.jpg"))
    assert local_stack.s3.head_object(Bucket=bucket, Key=empty_key)["ContentLength"] == 0


def test_the_stack_keeps_serving_after_bad_input(local_stack: StackClients, samples_dir: Path) -> None:
    key = "after the storm/bicycle.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    ledger = wait(local_stack, {key})
    assert [o.place for o in ledger.outcomes[key]] in (["results"], ["review"])
