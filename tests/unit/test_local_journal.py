"""The local stack's journal (torn tails, group commit), its recorded draws, and the version check."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from service.local import persistence
from service.local.persistence import journal, tape
from service.local.persistence.capture import classify


def test_a_torn_last_record_is_dropped_and_appending_goes_on_after_the_intact_ones(tmp_path: Path) -> None:
    path = tmp_path / "journal.wal"
    kept = journal.Journal(path)
    for n in range(3):
        kept.wait_durable(kept.append({"n": n}))
    kept.close()
    whole = path.read_bytes()
    path.write_bytes(whole + whole[-20:-3])  # half of a frame, as a crash mid-write leaves it

    assert [r["n"] for r in journal.read(path)] == [0, 1, 2]
    reopened = journal.Journal(path)
    reopened.wait_durable(reopened.append({"n": 3}))
    reopened.close()
    assert [r["n"] for r in journal.read(path)] == [0, 1, 2, 3]


def test_a_corrupt_record_ends_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.wal"
    journal.write_all(path, iter([{"n": 0}, {"n": 1}]))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert [r["n"] for r in journal.read(path)] == [0]


def test_concurrent_appends_share_fsyncs_and_all_become_durable(tmp_path: Path) -> None:
    kept = journal.Journal(tmp_path / "journal.wal")
    start = threading.Barrier(16)

    def writer(n: int) -> None:
        start.wait()
        for i in range(20):
            kept.wait_durable(kept.append({"n": n, "i": i}))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept.close()
    assert len(list(journal.read(kept.path))) == 320 == kept.records
    assert 1 <= kept.syncs <= 320


def test_a_replay_draws_what_the_recording_drew() -> None:
    from moto.moto_api._internal import mock_random

    tape.install()
    with tape.recording() as recorded:
        first = [str(mock_random.uuid4()), mock_random.get_random_string(12)]
    draws, readings = recorded.recorded()
    mock_random.seed(1234)  # whatever the generator's state, the replay gets the recorded values
    with tape.playing(tape.Tape(draws, readings)):
        again = [str(mock_random.uuid4()), mock_random.get_random_string(12)]
    assert again == first
    # Outside a replay the generator is its own again.
    assert str(mock_random.uuid4()) != first[0]


def test_only_changes_are_journaled() -> None:
    def env(method: str = "POST", target: str = "", credential: str = "") -> dict[str, str]:
        found = {"REQUEST_METHOD": method}
        if target:
            found["HTTP_X_AMZ_TARGET"] = target
        if credential:
            found["HTTP_AUTHORIZATION"] = (
                f"AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/{credential}/aws4_request, X"
            )
        return found

    assert classify(env("PUT", credential="s3"), b"") == ("s3", "PUT")
    assert classify(env("GET", credential="s3"), b"") is None
    assert classify(env(target="DynamoDB_20120810.TransactWriteItems"), b"") == ("dynamodb", "TransactWriteItems")
    assert classify(env(target="DynamoDB_20120810.Query"), b"") is None
    assert classify(env(target="AmazonSQS.DeleteMessage"), b"") == ("sqs", "DeleteMessage")
    assert classify(env(target="AmazonSQS.ReceiveMessage"), b"") is None
    assert classify(env(target="AmazonSQS.ChangeMessageVisibility"), b"") is None
    assert classify(env(credential="sqs"), b"Action=SendMessage&QueueUrl=x") == ("sqs", "SendMessage")
    assert classify(env(target="AWSCognitoIdentityProviderService.AdminSetUserPassword"), b"") == (
        "cognito-idp",
        "AdminSetUserPassword",
    )
    assert classify(env(target="AWSCognitoIdentityProviderService.AdminListGroupsForUser"), b"") is None
    assert classify(env(target="AWSStepFunctions.StartExecution"), b"") is None


def test_data_from_another_moto_stops_with_the_versions_and_what_to_run(tmp_path: Path) -> None:
    written = persistence.Manifest(port=4566, moto_version="4.0.0", scones_version="0.0.9")
    persistence.write_manifest(tmp_path, written)
    found = persistence.read_manifest(tmp_path)
    assert found == written
    with pytest.raises(persistence.DataDirError) as raised:
        persistence.check_versions(tmp_path, found, 4566)
    message = str(raised.value)
    assert "moto 4.0.0" in message and "scones 0.0.9" in message and str(tmp_path) in message
    assert "scones export" in message and "scones import" in message
    persistence.check_versions(tmp_path, persistence.Manifest(port=4566), 4566)  # this version's own: no error


def test_changed_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(persistence.DataDirError, match="intake_bucket: a -> b"):
        persistence.compare_identifiers(tmp_path, {"intake_bucket": "a", "port": 1}, {"intake_bucket": "b", "port": 1})
