"""Every change the local stack makes to moto, in one place, checked before any is applied.

moto has no hooks for what the local stack needs, so it replaces a few of moto's functions and methods. Each one
is listed here with the reason; `install()` first checks that every target still exists in the installed moto and
stops with a message naming the versions if one does not (a moto upgrade that renamed something fails at start-up,
never as a silently different pipeline), then applies them all. pyproject.toml pins moto to `BUILT_AGAINST`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

#: The moto release series the replacements below were written against (pyproject.toml pins it).
BUILT_AGAINST = "5.2"


class MotoMismatchError(RuntimeError):
    """The installed moto lacks something the local stack replaces."""


@dataclass(frozen=True, slots=True)
class Patch:
    module: str
    #: "function", or "Class.method"
    attribute: str
    #: Given moto's original, returns what takes its place.
    replacement: Callable[[Any], Any]
    why: str

    @property
    def target(self) -> str:
        return f"{self.module}.{self.attribute}"


def _owner_and_name(patch: Patch) -> tuple[Any, str]:
    try:
        owner: Any = importlib.import_module(patch.module)
    except ImportError as error:
        raise _mismatch(patch) from error
    *path, name = patch.attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            raise _mismatch(patch)
    if not hasattr(owner, name):
        raise _mismatch(patch)
    return owner, name


def _mismatch(patch: Patch) -> MotoMismatchError:
    return MotoMismatchError(
        f"moto {version('moto')} has no {patch.target}, which the local stack replaces ({patch.why}). "
        f"The local stack is built against moto {BUILT_AGAINST}.x: install that version (pyproject.toml pins it)."
    )


def _patches(with_faults: bool) -> list[Patch]:
    from service.iam import access as iam_access
    from service.iam.documents import policy_as_json
    from service.local import (
        backlog,
        cloudformation,
        cloudwatch,
        elastic,
        eventbridge,
        faults,
        lambdas,
        retention,
        s3events,
        speedups,
    )
    from service.local.s3notifications import with_event_bridge

    sfn = "moto.stepfunctions.parser.asl.component.state.exec.state_task"
    found = [
        Patch("moto.s3.notifications", "send_event", s3events.one_event_per_write,
              "one event per write: a completed multipart upload also notified a Put"),
        Patch("moto.s3.notifications", "_send_event_bridge_message", lambda _: s3events.send_event_bridge_message,
              "S3's event shape: reason, a sequencer per write, ISO time, etag"),
        Patch("moto.s3.responses", "S3Response.get_bucket_notification", with_event_bridge,
              "moto's answer leaves out the bucket's EventBridgeConfiguration"),
        Patch("moto.iam.models", "Role.put_policy", policy_as_json,
              "a role's inline policies from CloudFormation were kept as Python dicts, not JSON"),
        Patch("moto.events.models", "Rule.send_to_targets", eventbridge.delivering_to_step_functions,
              "moto's EventBridge does not start Step Functions targets, and drops `account` on the way to SQS"),
        Patch("moto.awslambda_simple.models", "LambdaSimpleBackend.invoke", lambda _: lambdas.invoke,
              "run the real handlers in worker processes instead of echoing the payload"),
        Patch("moto.stepfunctions.models", "StateMachine.create_from_cloudformation_json",
              cloudformation.state_machine_with_its_type, "moto's CloudFormation drops StateMachineType"),
        Patch("moto.events.models", "EventBus.create_from_cloudformation_json", cloudformation.event_bus_by_name,
              "Ref of an event bus is its name on AWS, the bus object in moto's CloudFormation"),
        Patch("moto.stepfunctions.parser.asl.component.common.timeouts.timeout", "TimeoutSeconds._eval_seconds",
              elastic.state_timeout, "a state's timeout counts time spent queueing for a local worker"),
        Patch("moto.stepfunctions.parser.backend.execution_worker", "ExecutionWorker._get_evaluation_entrypoint",
              lambda _: speedups.entrypoint, "parse each definition once, not per execution"),
        Patch("moto.stepfunctions.parser.asl.utils.json_path", "parse", speedups.cached_json_path,
              "parse each JSONPath once, not at every evaluation"),
        Patch("moto.cloudwatch.models", "CloudWatchBackend.get_metric_statistics", cloudwatch.exact_dimensions,
              "CloudWatch reads the series of exactly the query's dimensions; moto adds every series that has more"),
        Patch("moto.stepfunctions.parser.backend.execution_worker", "ExecutionWorker.start", backlog.start_worker,
              "executions wait in a bounded queue and run on a bounded set of threads, not three threads each at once"),
        Patch("moto.stepfunctions.parser.backend.execution", "BaseExecutionWorkerCommunication.terminated",
              retention.terminated, "an ended EXPRESS execution keeps its history compressed, the last few only"),
        Patch("moto.stepfunctions.parser.backend.execution", "Execution.to_history_output", retention.history_output,
              "the history of an ended EXPRESS execution from its compressed copy"),
        Patch("moto.s3.models", "tempfile", retention.tempfile_module, "object bodies on disk, not in memory"),
        Patch("moto.cloudwatch.models", "CloudWatchBackend.put_metric_data", retention.bounded_metrics,
              "datapoints rolled up and dropped with age as CloudWatch does, not kept one by one forever"),
        Patch("moto.core.authorization", "ActionAuthenticatorMixin._authenticate_and_authorize_action",
              lambda _: iam_access.authorize,
              "each principal holds its own role, with resource matching (moto's check matches actions only and "
              "refuses the operator's keys)"),
    ]  # fmt: skip
    ddb, sqs = "moto.dynamodb.models", "moto.sqs.models"
    found += [
        Patch(f"{ddb}.table", "Table.query", speedups.query, "a query reads its partition, not the sorted table"),
        Patch(f"{ddb}.table", "Table.all_items", speedups.all_items, "no full sort of the table inside a query"),
        Patch(f"{ddb}.table", "Table.sorted_items", speedups.sorted_items, "sort keys converted once per item"),
        Patch(f"{ddb}.table", "Table.put_item", speedups.table_put_item,
              "an index query's kept order learns each written key"),
        Patch(f"{ddb}.table", "Table.delete_item", speedups.table_delete_item,
              "an index query's kept order learns each deleted key"),
        Patch(ddb, "DynamoDBBackend.update_item", speedups.backend_update_item,
              "an index query's kept order learns each key updated in place"),
        Patch(ddb, "DynamoDBBackend.transact_write_items", speedups.transact_write_items,
              "a transaction backs up the partitions it names, not whole tables"),
        Patch(ddb, "copy", speedups.copy_module, "the partition backup of transact_write_items"),
        Patch(sqs, "Queue.messages", speedups.queue_messages, "one clock reading per count, not two per message"),
        Patch(sqs, "Queue.approximate_number_of_messages_not_visible", speedups.queue_not_visible,
              "one clock reading per count"),
        Patch(sqs, "Queue.approximate_number_of_messages_delayed", speedups.queue_delayed,
              "one clock reading per count"),
        Patch("moto.moto_server.werkzeug_app", "DomainDispatcherApplication.get_backend_for_host",
              speedups.backend_for_host, "a request's backend found once per host, not by listing moto's modules"),
        Patch(sqs, "SQSBackend.is_message_valid_based_on_retention_period", speedups.retention_check,
              "the retention period without counting every message"),
    ]  # fmt: skip
    for module in (
        f"{sfn}.lambda_eval_utils",
        f"{sfn}.service.state_task_service_dynamodb",
        f"{sfn}.service.state_task_service_sqs",
        f"{sfn}.service.state_task_service_events",
        f"{sfn}.service.state_task_service_sns",
        f"{sfn}.service.state_task_service_sfn",
        f"{sfn}.service.state_task_service_aws_sdk",  # an SDK integration signed with moto's keys was unchecked
        f"{sfn}.service.state_task_service_unsupported",
    ):
        found.append(Patch(module, "boto_client_for", speedups.shared_clients,
                           "one boto3 client per service and role, signed with the execution's role"))  # fmt: skip
    if with_faults:
        found += [
            Patch("moto.dynamodb.models", "DynamoDBBackend.put_item", faults.faulty_put_item,
                  "fault injection on the results table"),
            Patch("moto.sqs.models", "SQSBackend.send_message", faults.faulty_send_message,
                  "fault injection on the review queue"),
            Patch("moto.events.models", "EventsBackend.put_events", faults.faulty_put_events,
                  "fault injection on the outcome bus"),
        ]  # fmt: skip
    return found


_installed = False


def install(with_faults: bool = False) -> None:
    """Checks every target, then replaces them all (never half of them); once per process."""
    global _installed
    if _installed:
        return
    patches = _patches(with_faults)
    resolved = [(patch, *_owner_and_name(patch)) for patch in patches]
    for patch, owner, name in resolved:
        setattr(owner, name, patch.replacement(getattr(owner, name)))
    _installed = True
