"""Compaction: the kept state written as a snapshot, which becomes the start of a new journal.

A journal grows with history (every version ever put, every message ever sent and deleted); a start replays all of
it. The snapshot holds only what is kept now: the buckets, tables, queues and user pools of the journaled services,
each as moto holds it (pickled: the same version ids, message ids, subs, tokens and times, not regenerated), the
objects one key per record so that no more than one object's versions are in memory at once. Replay sets them in
place of what provisioning made (same names: the seed makes them), then applies the records journaled after it.

It is written like any journal (`journal.write_all`: a new file, fsynced, renamed over the old one, the directory
fsynced): until the rename the old journal is whole and authoritative, after it the snapshot is, so a crash at any
point of a compaction loses nothing. Like the journal it replaces, it is read only by the moto that wrote it (the
version check at start).
"""

from __future__ import annotations

import copy
import io
import pickle
import threading
from collections.abc import Iterator
from typing import Any

#: Record kinds a snapshot is made of (the journal's format knows them from 2 on).
KINDS = ("snapshot-s3", "snapshot-s3-key", "snapshot-dynamodb", "snapshot-sqs", "snapshot-cognito-idp")

_LOCKS = (type(threading.Lock()), type(threading.RLock()))


def _new_condition() -> threading.Condition:
    return threading.Condition()


def _new_lock() -> Any:
    return threading.Lock()


def _new_rlock() -> Any:
    return threading.RLock()


def _import_jwk(data: dict[str, Any]) -> Any:
    from joserfc import jwk

    return jwk.RSAKey.import_key(data)


class _Pickler(pickle.Pickler):
    """moto's objects as they are, except what cannot be pickled and is rebuilt empty or from its data: locks and
    conditions (nobody holds them across a restart) and the user pool's signing key (kept by its JWK)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, threading.Condition):
            return _new_condition, ()
        if isinstance(obj, _LOCKS[0]):
            return _new_lock, ()
        if isinstance(obj, _LOCKS[1]):
            return _new_rlock, ()
        kind = type(obj)
        if kind.__name__ == "RSAKey" and kind.__module__.startswith("joserfc"):
            return _import_jwk, (obj.as_dict(private=True),)
        return NotImplemented


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _backends(service: str) -> Iterator[tuple[str, str, Any]]:
    from moto.backends import get_backend

    for account, regions in list(get_backend(service).items()):  # type: ignore[call-overload]
        for region, backend in list(regions.items()):
            yield account, region, backend


def records() -> Iterator[dict[str, Any]]:
    """The kept state as snapshot records. The caller holds writes still (the server stopped, or the lock that
    orders journaled requests held)."""
    for account, region, backend in _backends("s3"):
        buckets = {}
        for name, bucket in list(backend.buckets.items()):
            empty = copy.copy(bucket)
            empty.keys = type(bucket.keys)()
            buckets[name] = empty
        yield {"kind": "snapshot-s3", "account": account, "region": region, "buckets": dumps(buckets)}
        for name, bucket in list(backend.buckets.items()):
            for key, versions in bucket.keys.iterlists():
                yield {
                    "kind": "snapshot-s3-key",
                    "account": account,
                    "region": region,
                    "bucket": name,
                    "key": key,
                    "versions": dumps(list(versions)),
                }
    for account, region, backend in _backends("dynamodb"):
        yield {"kind": "snapshot-dynamodb", "account": account, "region": region, "tables": dumps(backend.tables)}
    for account, region, backend in _backends("sqs"):
        # One pickle for all of a region's queues: a queue refers to its dead-letter queue's object.
        yield {"kind": "snapshot-sqs", "account": account, "region": region, "queues": dumps(backend.queues)}
    for account, region, backend in _backends("cognito-idp"):
        yield {
            "kind": "snapshot-cognito-idp",
            "account": account,
            "region": region,
            "pools": dumps(backend.user_pools),
            "domains": dumps(backend.user_pool_domains),
        }


def apply(record: dict[str, Any]) -> None:
    """Sets one snapshot record's resources in place of the fresh ones (moto's own objects, as they were)."""
    from moto.backends import get_backend

    kind = record["kind"]
    service = kind.removeprefix("snapshot-").removesuffix("-key")
    backend = get_backend(service)[record["account"]][record["region"]]
    if kind == "snapshot-s3":
        backend.buckets.clear()
        backend.buckets.update(pickle.loads(record["buckets"]))
    elif kind == "snapshot-s3-key":
        backend.buckets[record["bucket"]].keys.setlist(record["key"], pickle.loads(record["versions"]))
    elif kind == "snapshot-dynamodb":
        backend.tables.clear()
        backend.tables.update(pickle.loads(record["tables"]))
    elif kind == "snapshot-sqs":
        queues = pickle.loads(record["queues"])
        for queue in queues.values():
            # What was received and not deleted is visible again, as after its visibility timeout (receives are
            # not journaled: a replayed journal gives the same).
            queue._pending_messages = set()
            for message in queue._messages:
                message.visible_at = 0
                message.receipt_handle = None
                message._old_receipt_handles = []
        backend.queues.clear()
        backend.queues.update(queues)
    elif kind == "snapshot-cognito-idp":
        backend.user_pools.clear()
        backend.user_pools.update(pickle.loads(record["pools"]))
        backend.user_pool_domains.clear()
        backend.user_pool_domains.update(pickle.loads(record["domains"]))
