"""Make moto's Step Functions interpreter cheap per execution; it was the local stack's bottleneck.

- It parses the state machine definition with ANTLR for every execution (~100 ms of CPU): parse each definition
  once and give every execution its own copy of the parsed program, unpickled (~1 ms; a deep copy took ~7).
- It builds a new boto3 client for every task (~20 ms each, several per image): one client per service, shared by
  all executions (boto3 clients are thread-safe), makes the same calls; Lambda tasks are answered in-process.
"""

from __future__ import annotations

import bisect
import functools
import json
import pickle
import threading
import weakref
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

_lock = threading.Lock()


@cache
def _client(region: str, service: str, role_arn: str | None) -> Any:
    if service == "lambda":
        from service.local.lambdas import InProcessLambdaClient

        return InProcessLambdaClient(region, role_arn)
    client = boto_client.boto_client_for(region=region, service=service)
    if role_arn is None:
        return client
    # The execution's role, from the local STS: the state machine's own calls are checked against its policies.
    from service.iam.access import role_credentials

    issued = role_credentials(role_arn, "states-execution")
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=client.meta.endpoint_url,
        config=client.meta.config,
        aws_access_key_id=issued.access_key_id,
        aws_secret_access_key=issued.secret_access_key,
        aws_session_token=issued.session_token,
    )


def shared_clients(original: Any) -> Callable[..., Any]:
    """Replaces a task module's `boto_client_for` (moto's own, in `boto_client`, stays to build the clients)."""

    def shared_client(region: str, service: str, state_credentials: Any = None) -> Any:
        # One client per service and role (the execution's, or a task's own Credentials field).
        role_arn = getattr(state_credentials, "role_arn", None)
        with _lock:
            return _client(region, service, role_arn)

    return shared_client


@cache
def _parsed(definition: str) -> bytes:
    """The parsed program, pickled: unpickling makes the same independent copy as `copy.deepcopy` (both rebuild
    every object through its reduction; none of the program's classes defines its own copy), ~15 times faster
    (deepcopy was 13% of the server's CPU under load)."""
    return pickle.dumps(AmazonStateLanguageParser.parse(definition)[0], protocol=pickle.HIGHEST_PROTOCOL)


def entrypoint(self: ExecutionWorker) -> Any:
    """Replaces `ExecutionWorker._get_evaluation_entrypoint`."""
    with _lock:
        program = _parsed(self._evaluation_details.state_machine_details.definition)
    return pickle.loads(program)


def cached_json_path(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """Replaces `parse` in moto's `json_path` module: a state's JSONPath was parsed (ply's lexer and parser) at
    every evaluation, ~4% of the server's CPU; a parsed path is only read (`find`), so one serves every execution."""
    return functools.lru_cache(maxsize=4096)(original)


# --------------------------------------------------------------------------------------------------- DynamoDB
#
# moto's DynamoDB answers every Query by sorting the whole table (`Table.all_items`), then filtering it, and (on
# an index) sorting the matches again; every comparison recomputes both values' Python form. A transaction first
# deep-copies each table it touches, to roll back. With 10,000 pending reviews that made a page of 50 cost
# ~150 ms and a resolve ~250 ms of the server's CPU. The replacements below return exactly what moto returns.

_query_scope = threading.local()


class _Sortable:
    """A DynamoType's ordering, computed once: equal and less-than exactly as DynamoType compares (type and
    value for equality, the value alone for order), so a sort by these keys orders exactly as moto's does."""

    __slots__ = ("type", "value")

    def __init__(self, dynamo: Any) -> None:
        self.type = dynamo.type
        # `cast_value` of a string is the string, of a number its Decimal: the two key types, without its checks.
        if self.type == "S":
            self.value = dynamo.value
        elif self.type == "N":
            self.value = Decimal(dynamo.value)
        else:
            self.value = dynamo.cast_value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sortable) and self.type == other.type and self.value == other.value

    def __lt__(self, other: _Sortable) -> bool:
        return bool(self.value < other.value)

    __hash__ = None  # type: ignore[assignment]


def sorted_items(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.sorted_items`: the same sort, with each item's key values converted once, not per
    comparison."""

    def fast_sorted_items(self: Any, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Any]):
        scope = getattr(_query_scope, "scope", None)
        if scope is not None and scope[0] is self and scope[2] is not None:
            return items  # the kept order of the index: already sorted as below
        attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda x: tuple(_Sortable(x.attrs[key]) for key in attrs))
        return items

    return fast_sorted_items


def query(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.query`: moto's own query, told (through `all_items` below) which items it may consider and
    (through `sorted_items`) that they are already in its order."""
    import inspect

    signature = inspect.signature(original)

    def fast_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        previous = getattr(_query_scope, "scope", None)
        index_name = bound.get("index_name")
        candidates = _index_candidates(self, bound) if index_name else None
        # On the table itself, only the queried partition can match. On an index, the candidates the index's kept
        # order gives (None: every item, which moto sorts by a key unique per item, so their order does not matter).
        _query_scope.scope = (self, None if index_name else bound.get("hash_key"), candidates)
        try:
            return original(self, *args, **kwargs)
        finally:
            _query_scope.scope = previous

    return fast_query


def all_items(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.all_items`: inside a query of this table, the candidates without the full sort."""

    def fast_all_items(self: Any) -> list[Any]:
        scope = getattr(_query_scope, "scope", None)
        if scope is None or scope[0] is not self:
            return original(self)
        if scope[2] is not None:
            return list(scope[2])
        hash_key = scope[1]
        if hash_key is not None:
            # What moto keeps of the sorted table for a query on it: the items whose hash key equals this one
            # (the same DynamoType equality, through the partition's dict); it then sorts them by range key.
            if hash_key not in self.items:  # never `self.items[...]`: a defaultdict would add the partition
                return []
            partition = self.items[hash_key]
            return list(partition.values()) if self.range_key_attr else [partition]
        if self.range_key_attr:
            return [item for partition in self.items.values() for item in partition.values()]
        return list(self.items.values())

    return fast_all_items


# An index query in moto reads every item of the table, sorts the matches and walks from the first one to the
# cursor: at 10,000 pending reviews a page of 24 cost ~100 ms and a page deep in the list ~700 ms. Each queried
# index of a table keeps its items in moto's order instead (per index partition, as DynamoDB keeps them), brought
# up to date from the keys every write names; a query then hands moto the items after its cursor, and with a
# Limit and no range condition only Limit + 1 of them (all moto reads before it stops).


class _IndexOrder:
    """One index's items, per partition, sorted by the key moto sorts an index query by."""

    def __init__(self, table: Any, index: Any) -> None:
        self.index = index
        self.schema = json.dumps(index.schema, sort_keys=True)
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) != 1:
            raise _UnsupportedIndexError(index.name)
        self.hash_attr = hashes[0]
        self.range_attr = ranges[0]
        range_attrs: list[str | None] = [self.range_attr, table.range_key_attr]
        self.attrs = table._generate_attr_to_sort_by([self.hash_attr, table.hash_key_attr], range_attrs)
        self.partitions: dict[Any, tuple[list[tuple[_Sortable, ...]], list[Any]]] = {}
        self.placed: dict[tuple[Any, Any], tuple[Any, tuple[_Sortable, ...]]] = {}
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else [partition]:
                self._place(item)

    def _admits(self, item: Any) -> bool:
        # moto's test for an index query's candidates: the index's keys present.
        return self.hash_attr in item.attrs and self.range_attr in item.attrs

    def _place(self, item: Any) -> None:
        if not self._admits(item):
            return
        partition_key = item.attrs[self.hash_attr]
        order = tuple(_Sortable(item.attrs[name]) for name in self.attrs)
        keys, items = self.partitions.setdefault(partition_key, ([], []))
        at = bisect.bisect_left(keys, order)
        keys.insert(at, order)
        items.insert(at, item)
        self.placed[(item.hash_key, item.range_key)] = (partition_key, order)

    def refresh(self, table: Any, primary: tuple[Any, Any]) -> None:
        """The item of `primary` was written: out of its old place, into its new one (if the index holds it)."""
        old = self.placed.pop(primary, None)
        if old is not None:
            keys, items = self.partitions[old[0]]
            at = bisect.bisect_left(keys, old[1])
            del keys[at], items[at]
        hash_key, range_key = primary
        partition = table.items.get(hash_key)  # `get`: a defaultdict would add the partition
        current = partition if not table.range_key_attr else (partition or {}).get(range_key)
        if current is not None:
            self._place(current)

    def after(self, partition_key: Any, start: dict[str, Any] | None) -> list[Any]:
        keys, items = self.partitions.get(partition_key, ([], []))
        if not start:
            return items
        at = bisect.bisect_right(keys, tuple(_Sortable(DynamoType(start[name])) for name in self.attrs))
        return items[at:]


class _UnsupportedIndexError(Exception):
    """An index whose order moto computes differently (multi-attribute or hash-only keys): moto's own path."""


class _TableOrders:
    def __init__(self) -> None:
        self.orders: dict[str, _IndexOrder] = {}
        self.written: set[tuple[Any, Any]] = set()


_orders: weakref.WeakKeyDictionary[Any, _TableOrders] = weakref.WeakKeyDictionary()
_orders_lock = threading.RLock()


def _index_candidates(table: Any, bound: dict[str, Any]) -> list[Any] | None:
    """The items moto may consider for this index query, in its order; None where moto's own path answers."""
    start = bound.get("exclusive_start_key")
    limit = bound.get("limit")
    forward = bound.get("scan_index_forward") is not False
    index = next((i for i in table.all_indexes() if i.name == bound["index_name"]), None)
    if index is None:
        return None  # moto names the indexes there are
    try:
        with _orders_lock:
            kept = _orders.setdefault(table, _TableOrders())
            order = kept.orders.get(index.name)
            if order is None or order.index is not index or order.schema != json.dumps(index.schema, sort_keys=True):
                order = kept.orders[index.name] = _IndexOrder(table, index)
            # moto checks each candidate's key condition itself: the value only picks the index partition.
            hash_key = dict(bound.get("hash_key_conditions") or []).get(order.hash_attr, bound.get("hash_key"))
            if hash_key is None:
                return None
            for primary in kept.written:
                for each in kept.orders.values():
                    each.refresh(table, primary)
            kept.written.clear()
            if not forward or (start and any(name not in start for name in order.attrs)):
                return list(order.after(hash_key, None))  # moto reverses and walks to the cursor itself
            found = order.after(hash_key, start)
            if limit is not None and not bound.get("range_comparison") and not bound.get("filter_kwargs"):
                return found[: int(limit) + 1]
            return list(found)
    except (_UnsupportedIndexError, TypeError, KeyError):
        with _orders_lock:
            _orders.pop(table, None)  # never a half-updated order: built afresh by the next query
        return None


def _written(table: Any, hash_key: Any, range_key: Any) -> None:
    with _orders_lock:
        kept = _orders.get(table)
        if kept is not None and kept.orders:
            kept.written.add((hash_key, range_key))


def table_put_item(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.put_item`: moto's own, then the table's kept index orders learn the key."""

    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, item_attrs, *args, **kwargs)
        finally:
            _written_attrs(self, item_attrs)

    return put_item


def _written_attrs(table: Any, key: dict[str, Any]) -> None:
    if table.hash_key_attr not in key:
        return
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
    _written(table, DynamoType(key[table.hash_key_attr]), range_key)


def table_delete_item(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.delete_item`: moto's own, then the kept orders learn the key."""

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return original(self, hash_key, range_key)
        finally:
            _written(self, hash_key, range_key if self.range_key_attr else None)

    return delete_item


def backend_update_item(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `DynamoDBBackend.update_item`, which changes an item in place: the kept orders learn the key."""

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, table_name, key, *args, **kwargs)
        finally:
            table = self.tables.get(table_name)
            if table is not None:
                _written_attrs(table, key)

    return update_item


_transaction = threading.local()


class _CopyModule:
    """Stands in for the `copy` module inside `moto.dynamodb.models`: during a transaction (see
    `transact_write_items`), the backup of a table deep-copies only the partitions the transaction names and
    shares the others, which no operation of the transaction can reach. Everything else is the real module."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        touched = getattr(_transaction, "partitions", None)
        if touched is None or type(value).__name__ != "Table" or value.name not in touched:
            return self._real.deepcopy(value, memo)
        if value.stream_shard is not None:  # stream records would be shared: moto's full copy
            return self._real.deepcopy(value, memo)
        backup = self._real.copy(value)
        backup.items = self._real.copy(value.items)  # a defaultdict(dict), as moto's own
        for hash_key in touched[value.name]:
            if hash_key in value.items:
                backup.items[hash_key] = self._real.deepcopy(value.items[hash_key])
        return backup


def copy_module(original: Any) -> _CopyModule:
    """Replaces `moto.dynamodb.models.copy` (the module) with `_CopyModule`."""
    return _CopyModule(original)


def transact_write_items(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `DynamoDBBackend.transact_write_items`: moto's own transaction, with a backup of the partitions it
    names instead of a deep copy of whole tables. An item it cannot place (a malformed request) gets moto's full
    copy, and so does the rollback moto then performs."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    def fast_transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        partitions: dict[str, list[Any]] | None = {}
        try:
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                table = self.tables[op["TableName"]]
                key = op["Item"] if "Item" in op else op["Key"]
                assert partitions is not None
                partitions.setdefault(table.name, []).append(DynamoType(key[table.hash_key_attr]))
        except Exception:
            partitions = None
        _transaction.partitions = partitions
        try:
            return original(self, transact_items)
        finally:
            _transaction.partitions = None

    return fast_transact_write_items


# -------------------------------------------------------------------------------------------------------- SQS
#
# moto's SQS reads the clock twice per message to count a queue's visible, delayed and in-flight messages, and
# does so for every attribute it reads: each SendMessage (one attribute) and each received message (a retention
# check reading all of them, three times) cost O(messages in the queue) clock reads, ~20 ms with 10,000 queued.
# The counts below read the clock once per count; a message's visibility is decided exactly as moto decides it.


def queue_messages(original: Any) -> property:
    """Replaces the `Queue.messages` property: visible and not delayed, one clock reading for the whole list."""
    from moto.sqs import models

    def messages(self: Any) -> list[Any]:
        now = models.unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    return property(messages)


def queue_not_visible(original: Any) -> property:
    from moto.sqs import models

    def approximate_number_of_messages_not_visible(self: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    return property(approximate_number_of_messages_not_visible)


def queue_delayed(original: Any) -> property:
    from moto.sqs import models

    def approximate_number_of_messages_delayed(self: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    return property(approximate_number_of_messages_delayed)


def retention_check(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `SQSBackend.is_message_valid_based_on_retention_period`: the queue's retention period read from
    the queue, not from the whole attribute map (which counts every message)."""
    from moto.sqs import models

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = self.get_queue(queue_name).message_retention_period
        if retention_period is None:
            return bool(original(self, queue_name, message))
        return bool(retention_period + message.sent_timestamp / 1000 > models.unix_time())

    return is_message_valid_based_on_retention_period


# ------------------------------------------------------------------------------------------------- dispatch
#
# moto's server finds the backend of every request under one lock, listing moto's package directory (a stat of
# each of ~200 entries) and then trying its URL patterns one by one: ~10% of the server's time under load, with
# every request serialised behind it. The answer depends on the host alone, so it is remembered per host.


def backend_for_host(original: Callable[[Any, str | None], Any]) -> Callable[[Any, str | None], Any]:
    """Replaces `DomainDispatcherApplication.get_backend_for_host`: moto's answer, once per host."""
    found: dict[tuple[int, str | None], Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        key = (id(self), host)
        if key not in found:
            answer = original(self, host)
            if len(found) >= 4096:  # hosts name buckets in virtual-host style: bounded all the same
                found.clear()
            found[key] = answer
        return found[key]

    return get_backend_for_host
