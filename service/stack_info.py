"""Where a deployed stack's resources are: the contract of `scones status --json`."""

from __future__ import annotations

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
