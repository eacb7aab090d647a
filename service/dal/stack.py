"""Where a deployed stack's resources are: the contract of `scones status --json`."""

from __future__ import annotations

from typing import Any

import boto3
from pydantic import BaseModel

#: The stack name the local stack deploys under, and the default for commands that take --aws-stack.
DEFAULT_STACK_NAME = "scones"
#: Where `scones up` listens unless told otherwise.
DEFAULT_LOCAL_PORT = 4566


class StackInfo(BaseModel):
    endpoint_url: str | None
    region: str
    intake_bucket: str
    results_table: str
    review_queue_url: str
    failed_queue_url: str
    state_machine_arn: str
    metrics_namespace: str
    rule_dead_letter_queue_url: str | None = None
    #: Pending reviews (the durable store the review desk reads); None for a stack deployed before it existed.
    reviews_table: str | None = None
    #: The review page and its API (team sign-in); None for a stack deployed before the review desk had one.
    review_url: str | None = None
    user_pool_id: str | None = None
    user_pool_client_id: str | None = None
    #: The stack's own EventBridge bus, where every outcome is published; None for a stack deployed before it.
    event_bus_name: str | None = None

    @classmethod
    def from_outputs(cls, endpoint_url: str | None, region: str, outputs: dict[str, str]) -> StackInfo:
        return cls(
            endpoint_url=endpoint_url,
            region=region,
            intake_bucket=outputs["IntakeBucketName"],
            results_table=outputs["ResultsTableName"],
            review_queue_url=outputs["ReviewQueueUrl"],
            failed_queue_url=outputs["FailedQueueUrl"],
            state_machine_arn=outputs["StateMachineArn"],
            metrics_namespace=outputs.get("MetricsNamespace", "Scones"),
            rule_dead_letter_queue_url=outputs.get("RuleDeadLetterQueueUrl"),
            reviews_table=outputs.get("ReviewsTableName"),
            review_url=outputs.get("ReviewUrl"),
            user_pool_id=outputs.get("UserPoolId"),
            user_pool_client_id=outputs.get("UserPoolClientId"),
            event_bus_name=outputs.get("EventBusName"),
        )

    @classmethod
    def describe(cls, stack_name: str, region: str, endpoint_url: str | None = None) -> StackInfo:
        """The resource names of a deployed stack, read from its CloudFormation outputs (the template declares
        them); `endpoint_url` points at a local stack's emulated CloudFormation."""
        stack = _client("cloudformation", region, endpoint_url).describe_stacks(StackName=stack_name)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return cls.from_outputs(endpoint_url=endpoint_url, region=region, outputs=outputs)

    def client(self, service: str) -> Any:
        return _client(service, self.region, self.endpoint_url)


def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    """A boto3 client for a stack: the local endpoint (which takes any credentials), or the user's AWS session for a
    deployed stack."""
    if endpoint_url:
        return boto3.client(
            service,
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
    return boto3.client(service, region_name=region)


def stack_client(service: str, region: str, endpoint_url: str | None = None) -> Any:
    """A client for a stack known only by name so far (its outputs not read yet)."""
    return _client(service, region, endpoint_url)
