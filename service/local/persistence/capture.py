"""The write-ahead rule at the server's WSGI layer: every request that changes kept state is applied, appended to
the journal and fsynced before its response leaves; replay feeds the same requests back into a fresh moto.

What is kept (the brief of `service.local.persistence`): S3 writes, DynamoDB writes, SQS sends and deletes,
Cognito user-pool changes. Reads, receives and visibility changes are not journaled: after a restart an unacked
message is visible again, as after its visibility timeout. A delete names its message by a receipt handle that
only this process knows, so it is journaled as the message ids the handles resolve to.

Journaled requests are applied one at a time (a lock held while moto applies one and its record is appended), so
the journal's order is the order the changes were made: two writes of one item or key replay in the order they
happened. The fsync happens outside that lock, shared by every request waiting for it.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from service.local.persistence import snapshot, tape
from service.local.persistence.journal import Journal

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_READS = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet", "AdminGet", "AdminList")
#: SQS actions that change what a queue holds (receives and visibility changes are left out on purpose).
_SQS_KEPT = {
    "SendMessage",
    "SendMessageBatch",
    "DeleteMessage",
    "DeleteMessageBatch",
    "PurgeQueue",
    "CreateQueue",
    "DeleteQueue",
    "SetQueueAttributes",
    "TagQueue",
    "UntagQueue",
}
#: Environ keys a replay needs: the request line, its headers, where it was sent.
_ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "PATH_INFO",
    "QUERY_STRING",
    "RAW_URI",
    "REQUEST_URI",
    "CONTENT_TYPE",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
)

#: Per thread: whether it replays, and the actions waiting for its journaled request to be durable.
_replaying = threading.local()


def replaying() -> bool:
    """Whether this thread is replaying the journal (S3 events are not sent then: the upload was delivered)."""
    return bool(getattr(_replaying, "on", False))


def defer(action: Callable[[], None]) -> bool:
    """Runs `action` once the journaled request this thread is applying is durable; False outside one."""
    pending = getattr(_replaying, "deferred", None)
    if pending is None:
        return False
    pending.append(action)
    return True


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def _signing_service(environ: dict[str, Any]) -> str:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in authorization:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        scope = unquote(parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0])
    parts = scope.split("/")
    return parts[3] if len(parts) >= 4 else ""


def _region(environ: dict[str, Any]) -> str:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in authorization:
        parts = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(parts) >= 3:
            return parts[2]
    return "us-east-1"


def classify(environ: dict[str, Any], body: bytes) -> tuple[str, str] | None:
    """(service, action) of a request whose change is kept, or None."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, action = target.partition(".")
        if prefix.startswith("DynamoDB_"):
            return None if action.startswith(_READS) else ("dynamodb", action)
        if prefix == "AmazonSQS":
            return ("sqs", action) if action in _SQS_KEPT else None
        if prefix == "AWSCognitoIdentityProviderService":
            return None if action.startswith(_READS) else ("cognito-idp", action)
        return None
    service = _signing_service(environ)
    if service == "s3":
        method = environ.get("REQUEST_METHOD", "GET")
        return None if method in ("GET", "HEAD", "OPTIONS") else ("s3", method)
    if service == "sqs":  # the query protocol (older clients)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return ("sqs", action) if action in _SQS_KEPT else None
    return None


def _sqs_parameters(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    if environ.get("HTTP_X_AMZ_TARGET"):
        parsed: dict[str, Any] = json.loads(body or b"{}")
        return parsed
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    handles = [v for k, v in sorted(form.items()) if k.endswith(".ReceiptHandle")]
    return {"QueueUrl": form.get("QueueUrl", ""), "ReceiptHandle": form.get("ReceiptHandle"), "handles": handles}


def _queue(region: str, url: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    path = urlparse(url).path.strip("/").split("/")
    account = path[0] if len(path) == 2 and path[0].isdigit() else DEFAULT_ACCOUNT_ID
    return sqs_backends[account][region].queues.get(path[-1]), account


def _delete_record(environ: dict[str, Any], body: bytes, action: str) -> dict[str, Any] | None:
    """A delete as the ids of the messages its receipt handles name (the handles die with this process)."""
    parameters = _sqs_parameters(environ, body)
    region = _region(environ)
    queue, account = _queue(region, parameters.get("QueueUrl", ""))
    if queue is None:
        return None
    if action == "DeleteMessage":
        handles = [parameters.get("ReceiptHandle") or ""]
    elif "Entries" in parameters:
        handles = [entry.get("ReceiptHandle", "") for entry in parameters["Entries"]]
    else:
        handles = parameters.get("handles", [])
    ids = [m.id for m in list(queue._messages) if any(m.had_receipt_handle(h) for h in handles)]
    return {"kind": "sqs-delete", "account": account, "region": region, "queue": queue.name, "ids": ids}


def _unavailable(start_response: StartResponse, why: str) -> Iterable[bytes]:
    # 503 is what AWS answers when a service is briefly unavailable: every SDK retries it.
    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
    return [why.encode()]


class DurableApp:
    """Wraps moto's WSGI application. Without a journal it only passes requests through."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.journal: Journal | None = None
        #: Once stopped, a change would be applied and never journaled: it is refused.
        self.stopped = False
        self._apply = threading.Lock()
        self._compacting = threading.Lock()
        self.compact_bytes = 0

    def compact(self, records: Callable[[], Iterable[Any]]) -> int:
        """Replaces the journal with `records()` (a snapshot of the state) while no journaled change is applied;
        returns how many records the new journal holds."""
        journal = self.journal
        if journal is None:
            return 0
        with self._apply:
            return journal.replace(iter(records()))

    def stop(self) -> Journal | None:
        """No change is applied from here on; returns the journal (to compact and close)."""
        with self._apply:
            self.stopped = True
            return self.journal

    def _maybe_compact(self, journal: Journal) -> None:
        """Once the journal passes `compact_bytes`, compacts it on a thread of its own (this request's answer does
        not wait for it; journaled changes do, while the snapshot is written)."""
        if not self.compact_bytes or journal.size() < self.compact_bytes or not self._compacting.acquire(False):
            return
        threading.Thread(target=self._compact_past_size, name="compaction", daemon=True).start()

    def _compact_past_size(self) -> None:
        try:
            from service.local.persistence import snapshot as taken

            count = self.compact(taken.records)
            log.warning("compacted the journal past %d bytes into %d records", self.compact_bytes, count)
        except Exception:
            # The old journal is whole until the new one is renamed over it: nothing is lost, try again later.
            log.exception("could not compact the journal")
        finally:
            self._compacting.release()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        journal = self.journal
        if journal is None:
            return self.app(environ, start_response)
        body = _read_body(environ)
        kept = classify(environ, body)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if kept is None:
            return self.app(environ, start_response)
        if self.stopped:
            return _unavailable(start_response, "The local stack is stopping.")
        service, action = kept
        captured: dict[str, Any] = {}

        def capture_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"], captured["headers"], captured["exc_info"] = status, headers, exc_info
            return lambda data: captured.setdefault("early", []).append(data)

        with self._apply:
            if self.stopped:
                return _unavailable(start_response, "The local stack is stopping.")
            before = None
            if service == "sqs" and action in ("DeleteMessage", "DeleteMessageBatch"):
                before = _delete_record(environ, body, action)
            deferred: list[Callable[[], None]] = []
            _replaying.deferred = deferred
            try:
                with tape.recording() as recorded:
                    response = self.app(environ, capture_start)
                    try:
                        chunks = list(response)
                    finally:
                        close = getattr(response, "close", None)
                        if close is not None:
                            close()
            finally:
                _replaying.deferred = None
            sequence = 0
            if captured.get("status", "500").startswith("2"):
                if before is not None:
                    record = before
                else:
                    draws, readings = recorded.recorded()
                    record = {
                        "kind": "http",
                        "environ": {k: environ[k] for k in _ENVIRON_KEYS if k in environ}
                        | {k: v for k, v in environ.items() if k.startswith("HTTP_")},
                        "body": body,
                        "draws": draws,
                        "readings": readings,
                    }
                sequence = journal.append(record)
        if sequence:
            journal.wait_durable(sequence)
            self._maybe_compact(journal)
        for send in deferred:
            try:
                send()
            except Exception:
                log.exception(
                    "could not send the event of %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
                )
        start_response(captured["status"], captured["headers"], captured.get("exc_info"))
        return [*captured.get("early", []), *chunks]


def replay(app: WsgiApp, records: Iterable[Any]) -> int:
    """Applies journaled records to a fresh moto, in order; returns how many."""
    count = 0
    _replaying.on = True
    try:
        for record in records:
            if record["kind"] == "http":
                _replay_http(app, record)
            elif record["kind"] == "sqs-delete":
                _replay_delete(record)
            elif record["kind"] in snapshot.KINDS:
                snapshot.apply(record)
            count += 1
    finally:
        _replaying.on = False
    return count


def _replay_http(app: WsgiApp, record: dict[str, Any]) -> None:
    environ = dict(record["environ"])
    body = record["body"]
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.url_scheme": "http",
        }
    )
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
        status.append(line)
        return lambda data: None

    with tape.playing(tape.Tape(record["draws"], record["readings"])):
        response = app(environ, start_response)
        try:
            for _ in response:
                pass
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
    if not status or not status[0].startswith("2"):
        # It succeeded once; the same request on the same state cannot fail unless moto changed.
        log.warning("replayed %s %s answered %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status)


def _replay_delete(record: dict[str, Any]) -> None:
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[record["account"]][record["region"]].queues.get(record["queue"])
    if queue is None:
        return
    ids = set(record["ids"])
    queue._messages = [m for m in queue._messages if m.id not in ids]
