"""Make moto's Step Functions interpreter cheap per execution; it was the local stack's bottleneck.

- It parses the state machine definition with ANTLR for every execution (~100 ms of CPU): parse each definition
  once and give every execution its own copy of the parsed program, unpickled (~1 ms; a deep copy took ~7).
- It builds a new boto3 client for every task (~20 ms each, several per image): one client per service, shared by
  all executions (boto3 clients are thread-safe), makes the same calls; Lambda tasks are answered in-process.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
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
        attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda x: tuple(_Sortable(x.attrs[key]) for key in attrs))
        return items

    return fast_sorted_items


def query(original: Callable[..., Any]) -> Callable[..., Any]:
    """Replaces `Table.query`: moto's own query, told (through `all_items` below) which items it may consider."""
    import inspect

    signature = inspect.signature(original)

    def fast_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        previous = getattr(_query_scope, "scope", None)
        # On the table itself, only the queried partition can match; on an index, every item is a candidate, and
        # moto sorts the matches by a key that is unique per item, so their order in `all_items` does not matter.
        _query_scope.scope = (self, None if bound.get("index_name") else bound.get("hash_key"))
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
