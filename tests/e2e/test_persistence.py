"""A kept stack: `scones down` then `scones up` keeps every upload, outcome, decision and reviewer under the same
names and URLs, and a SIGKILL at any moment loses nothing S3 acknowledged (each such upload still ends exactly once).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from service.dal.user_pool import UserPool
from service.local import persistence, stack
from service.local.persistence import journal, snapshot
from service.ops.accounting import Ledger, wait_until_accounted

# Every valid image goes to review (so there are decisions to make); broken.jpg fails.
PARAMETERS = {"ConfidenceThreshold": "1.0", "AuditRate": "0"}
PASSWORD = "Correct-Horse-Battery-9"
ANN = "ann@example.com"


@pytest.fixture
def kept_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("SCONES_STATE_DIR", str(tmp_path))
    port = stack.free_port()
    try:
        yield port
    finally:
        stack.down(port)


def _images(samples_dir: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(samples_dir.glob("*")) if p.suffix != ".md"]


def _ledger(info: stack.LocalStackStatus, keys: set[str], timeout: float = 180) -> Ledger:
    return wait_until_accounted(
        info.client("dynamodb"), info.client("sqs"), info.results_table, info.review_queue_url,
        info.failed_queue_url, keys, timeout, reviews_table=info.reviews_table,
    )  # fmt: skip


def _sign_in(info: stack.LocalStackStatus, email: str = ANN) -> str:
    answer = info.client("cognito-idp").initiate_auth(
        ClientId=info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def _api(info: stack.LocalStackStatus, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    url = str(info.review_url) + path
    headers = {"Authorization": f"Bearer {token}"}
    answer = (
        requests.get(url, headers=headers, timeout=60)
        if body is None
        else requests.post(url, json=body, headers=headers, timeout=60)
    )
    answer.raise_for_status()
    return answer.json()


def _resolve_one(info: stack.LocalStackStatus, token: str, label: str = "bicycle") -> str:
    lease = _api(info, "api/next", token, {})["lease"]
    item = lease["item"]
    _api(info, "api/resolve", token, {"key": item["key"], "version_id": item["upload_id"], "label": label})
    return str(item["key"])


def _scan(info: stack.LocalStackStatus, table: str) -> list[dict[str, Any]]:
    dynamodb = info.client("dynamodb")
    items = [i for page in dynamodb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
    return sorted(items, key=repr)


def _queue_bodies(info: stack.LocalStackStatus, url: str) -> list[tuple[str, str]]:
    sqs = info.client("sqs")
    found: dict[str, str] = {}
    for _ in range(5):  # a short poll samples; ask until no new message shows
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for message in answer.get("Messages", []):
            found[message["MessageId"]] = message["Body"]
    return sorted(found.items())


def _kept_state(info: stack.LocalStackStatus) -> dict[str, Any]:
    cognito = info.client("cognito-idp")
    users = cognito.list_users(UserPoolId=info.user_pool_id)["Users"]
    s3 = info.client("s3")
    versions = s3.list_object_versions(Bucket=info.intake_bucket)["Versions"]
    return {
        "objects": sorted((v["Key"], v["VersionId"], v["ETag"], v["LastModified"]) for v in versions),
        "results": _scan(info, info.results_table),
        "reviews": _scan(info, str(info.reviews_table)),
        "review queue": _queue_bodies(info, info.review_queue_url),
        "failed queue": _queue_bodies(info, info.failed_queue_url),
        "users": sorted(
            (
                u["Username"],
                u["UserStatus"],
                sorted((a["Name"], a["Value"]) for a in u["Attributes"]),
                sorted(
                    g["GroupName"]
                    for g in cognito.admin_list_groups_for_user(UserPoolId=info.user_pool_id, Username=u["Username"])[
                        "Groups"
                    ]
                ),
            )
            for u in users
        ),
    }


def _names(info: stack.LocalStackStatus) -> dict[str, Any]:
    return info.model_dump(exclude={"pid"})


def test_down_then_up_keeps_everything_under_the_same_names(kept_port: int, samples_dir: Path) -> None:
    info = stack.up(kept_port, parameters=PARAMETERS)
    assert info.data_dir and Path(info.data_dir).is_dir()
    s3 = info.client("s3")
    keys = set()
    for n, data in enumerate(_images(samples_dir)):
        s3.put_object(Bucket=info.intake_bucket, Key=f"kept/{n} é+%.img", Body=data)
        keys.add(f"kept/{n} é+%.img")
    ledger = _ledger(info, keys)
    assert not ledger.missing(keys) and ledger.by_place("failed") and ledger.by_place("review")
    pool = UserPool(info.client("cognito-idp"), str(info.user_pool_id))
    pool.add(ANN, password=PASSWORD)
    pool.add("bob@example.com", admin=True)  # a temporary password, not yet changed
    token = _sign_in(info)
    decided = {_resolve_one(info, token, "bicycle"), _resolve_one(info, token, "motorcycle")}
    me = _api(info, "api/me", token)
    before = _kept_state(info)
    assert {item["key"]["S"] for item in before["results"]} == decided

    assert stack.down(kept_port)
    # A clean stop compacted the journal: the next start restores a snapshot, not the history of requests.
    kinds = {record["kind"] for record in journal.read(Path(info.data_dir) / persistence.JOURNAL)}
    assert kinds and kinds <= set(snapshot.KINDS)
    again = stack.up(kept_port, parameters=PARAMETERS)

    assert again.pid != info.pid
    assert _names(again) == _names(info)
    assert _kept_state(again) == before
    # A token issued before still works (the pool's signing key is the same), and so does signing in again.
    assert _api(again, "api/me", token) == me
    assert _api(again, "api/me", _sign_in(again)) == me
    pending = _api(again, "api/pending", token)
    assert {p["key"] for p in pending["items"]} == {o.key for o in ledger.by_place("review")} - decided


class _Uploader(threading.Thread):
    """Puts images one by one, as a client would; remembers what S3 acknowledged."""

    def __init__(self, info: stack.LocalStackStatus, images: list[bytes], prefix: str, count: int) -> None:
        super().__init__(daemon=True)
        self.s3 = info.client("s3")
        self.bucket, self.images, self.prefix, self.count = info.intake_bucket, images, prefix, count
        self.acknowledged: list[str] = []

    def run(self) -> None:
        for n in range(self.count):
            key = f"{self.prefix}/{n:03}.img"
            try:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=self.images[n % len(self.images)])
            except Exception:
                return  # the server is gone: this one was never acknowledged
            self.acknowledged.append(key)


def _wait_for(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _kill(info: stack.LocalStackStatus) -> None:
    os.kill(info.pid, signal.SIGKILL)
    _wait_for(lambda: not stack._alive(info.pid) or _reaped(info.pid))


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _assert_exactly_once(info: stack.LocalStackStatus, keys: set[str]) -> None:
    ledger = _ledger(info, keys)
    assert ledger.missing(keys) == set()
    assert ledger.duplicated() == {}
    assert all(len(ledger.outcomes[key]) == 1 for key in keys), {k: ledger.outcomes[k] for k in keys}


def test_a_killed_stack_loses_no_acknowledged_upload(kept_port: int, samples_dir: Path) -> None:
    images = _images(samples_dir)
    info = stack.up(kept_port, parameters=PARAMETERS)
    UserPool(info.client("cognito-idp"), str(info.user_pool_id)).add(ANN, password=PASSWORD)
    acknowledged: set[str] = set()

    # 1. During an upload: killed while a client is putting images one after another.
    uploader = _Uploader(info, images, "during-upload", 40)
    uploader.start()
    _wait_for(lambda: len(uploader.acknowledged) >= 8)
    _kill(info)
    uploader.join(60)
    acknowledged |= set(uploader.acknowledged)
    info = stack.up(kept_port, parameters=PARAMETERS)
    _assert_exactly_once(info, acknowledged)

    # 2. During runs: killed the moment the last of a batch is acknowledged, executions still in flight.
    uploader = _Uploader(info, images, "during-run", 12)
    uploader.run()
    _kill(info)
    acknowledged |= set(uploader.acknowledged)
    assert len(uploader.acknowledged) == 12
    info = stack.up(kept_port, parameters=PARAMETERS)
    _assert_exactly_once(info, acknowledged)

    # 3. During decisions: killed while a reviewer resolves one review after another.
    token = _sign_in(info)
    decided: list[str] = []

    def decide() -> None:
        try:
            while True:
                decided.append(_resolve_one(info, token))
        except Exception:
            return

    reviewer = threading.Thread(target=decide, daemon=True)
    reviewer.start()
    _wait_for(lambda: len(decided) >= 2)
    _kill(info)
    reviewer.join(60)
    info = stack.up(kept_port, parameters=PARAMETERS)
    _assert_exactly_once(info, acknowledged)
    humans = {item["key"]["S"] for item in _scan(info, info.results_table) if item["source"]["S"] == "human"}
    assert set(decided) <= humans
    # The reviewer added before the first crash still signs in.
    assert _api(info, "api/me", _sign_in(info))["email"] == ANN


def test_sigterm_stops_a_foreground_stack_as_ctrl_c_does(kept_port: int, tmp_path: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "service.cli", "up", "--port", str(kept_port), "--ephemeral"]
    out = tmp_path / "up.out"
    with out.open("w") as sink:
        foreground = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        _wait_for(lambda: "Ctrl-C" in out.read_text() or foreground.poll() is not None)
        server = _alive_stack(kept_port)
        assert server is not None, out.read_text()
        foreground.send_signal(signal.SIGTERM)
        assert foreground.wait(timeout=60) == 0, out.read_text()
    assert "Stopped." in out.read_text()
    _wait_for(lambda: not stack._alive(server))
    assert not stack.state_file(kept_port).exists()


def _alive_stack(port: int) -> int | None:
    try:
        return stack.status(port).pid
    except (stack.StackError, ValueError):
        return None


def test_export_then_import_moves_the_kept_state_to_a_new_stack(samples_dir: Path, tmp_path: Path) -> None:
    from service.local.persistence import transfer

    with stack.running(parameters=PARAMETERS) as old:
        s3 = old.client("s3")
        keys = set()
        for n, data in enumerate(_images(samples_dir)):
            s3.put_object(Bucket=old.intake_bucket, Key=f"moved/{n}.img", Body=data, Metadata={"n": str(n)})
            keys.add(f"moved/{n}.img")
        s3.put_object(Bucket=old.intake_bucket, Key="moved/0.img", Body=_images(samples_dir)[0])  # a 2nd version
        keys.add("moved/0.img")
        ledger = _ledger(old, keys)
        assert ledger.by_place("review") and ledger.by_place("failed")
        UserPool(old.client("cognito-idp"), str(old.user_pool_id)).add("bob@example.com", admin=True)
        before = _kept_state(old)
        counts = transfer.export(old, tmp_path / "export", {"scones": "test"})
        assert counts["objects"] == len(before["objects"]) and counts["users"] == 1
        # Reading the queues left their messages as they were.
        assert _kept_state(old)["review queue"] == before["review queue"]

    with stack.running(parameters=PARAMETERS) as new:
        loaded = transfer.load(new, tmp_path / "export", password="Temporary-Pass-1")
        after = _kept_state(new)
        # Each version is back, oldest first; S3 draws new version ids, and items and messages name the new ones.
        assert [(k, e) for k, _, e, _ in after["objects"]] == [(k, e) for k, _, e, _ in before["objects"]]
        new_versions = {v for _, v, _, _ in after["objects"]}
        assert len(after["reviews"]) == len(before["reviews"]) and len(after["results"]) == len(before["results"])
        queued = [json.loads(body) for _, body in after["review queue"]]
        assert len(queued) == len(before["review queue"]) > 0
        assert all(message["version_id"] in new_versions for message in queued if "version_id" in message), queued
        assert len(after["failed queue"]) == len(before["failed queue"]) > 0
        # Imported uploads do not run the pipeline again: nothing new lands in the results or queues.
        assert _ledger(new, keys).duplicated() == {}
        # Passwords cannot be read through Cognito's API: the reviewer is back, in the same groups, and must
        # choose a new password.
        assert [(u[0], u[3]) for u in after["users"]] == [(u[0], u[3]) for u in before["users"]]
        assert [u[1] for u in after["users"]] == ["FORCE_CHANGE_PASSWORD"]
        assert loaded["temporary_password"] == "Temporary-Pass-1"
        challenge = new.client("cognito-idp").initiate_auth(
            ClientId=new.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "bob@example.com", "PASSWORD": "Temporary-Pass-1"},
        )
        assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
