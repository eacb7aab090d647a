"""Where a deployed stack's resources are: the contract of `scones status --json`."""

from __future__ import annotations

from typing import Any

import boto3
from pydantic import BaseModel


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
        )

    def client(self, service: str) -> Any:
        """A boto3 client for this stack: the local endpoint (which takes any credentials), or the user's AWS
        session for a deployed stack."""
        if self.endpoint_url:
            return boto3.client(
                service,
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )
        return boto3.client(service, region_name=self.region)
