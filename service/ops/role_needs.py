"""What each principal's role must allow for its step, declared once, by the template's logical ids.

`scones doctor` checks a deployed stack's roles against this (SimulatePrincipalPolicy on AWS, the roles' own
policies evaluated on the local stack), and a test checks it against infra/template.yaml: every principal and
resource named here is in the template, and the template's policies grant every need.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

#: "arn": the resource's own ARN; "objects": an object in the bucket (the probe's key); "index": a table's index;
#: "endpoint": the SageMaker endpoint that the function's environment variable `environment` names.
Scope = Literal["arn", "objects", "index", "endpoint"]


class Need(BaseModel):
    actions: tuple[str, ...]
    #: The logical id of the resource in the template.
    resource: str
    scope: Scope = "arn"
    index: str | None = None
    environment: str | None = None
    #: The need applies only when the principal's environment holds these values (a function's settings).
    when: dict[str, str] = {}
    why: str


#: By the logical id of the principal: a function (its execution role), the state machine (its role) or an
#: EventBridge rule (the role of its target).
NEEDS: dict[str, tuple[Need, ...]] = {
    "SerializeFunction": (
        Need(actions=("s3:GetObject", "s3:GetObjectVersion"), resource="IntakeBucket", scope="objects",
             why="reads the upload, at the version the event names"),
        Need(actions=("s3:ListBucket",), resource="IntakeBucket",
             why="a missing key answers 404 (ObjectNotFound), not 403"),
        Need(actions=("dynamodb:PutItem",), resource="IdempotencyTable", why="claims the write before anything else"),
    ),
    "ClassifyFunction": (
        Need(actions=("sagemaker:InvokeEndpoint",), resource="ClassifyFunction", scope="endpoint",
             environment="SAGEMAKER_ENDPOINT_NAME", when={"MODEL_BACKEND": "sagemaker"},
             why="asks the endpoint (with ModelBackend=sagemaker)"),
    ),
    "PipelineStateMachine": (
        Need(actions=("lambda:InvokeFunction",), resource="SerializeFunction", why="runs the Serialize step"),
        Need(actions=("lambda:InvokeFunction",), resource="ClassifyFunction", why="runs the Classify step"),
        Need(actions=("lambda:InvokeFunction",), resource="FilterFunction", why="runs the Filter step"),
        Need(actions=("dynamodb:PutItem",), resource="ResultsTable", why="writes an accepted record"),
        Need(actions=("dynamodb:PutItem",), resource="ReviewsTable", why="writes a pending review"),
        Need(actions=("sqs:SendMessage",), resource="ReviewQueue", why="hands the review out"),
        Need(actions=("sqs:SendMessage",), resource="FailedQueue", why="reports a failure"),
        Need(actions=("events:PutEvents",), resource="OutcomeBus", why="announces each outcome"),
    ),
    "PipelineStateMachineObjectCreated": (
        Need(actions=("states:StartExecution",), resource="PipelineStateMachine", why="starts one run per upload"),
    ),
    "ReviewApiFunction": (
        Need(actions=("dynamodb:Query",), resource="ReviewsTable", scope="index", index="pending-by-age",
             why="lists the pending items"),
        Need(actions=("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"),
             resource="ReviewsTable", why="leases an item and decides it (one transaction)"),
        Need(actions=("dynamodb:PutItem", "dynamodb:UpdateItem"), resource="ResultsTable",
             why="records the decision with it"),
        Need(actions=("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
             resource="ReviewQueue", why="hands the work out, with the message's visibility as the lease"),
        Need(actions=("s3:GetObject", "s3:GetObjectVersion"), resource="IntakeBucket", scope="objects",
             why="reads the image it re-encodes for the page"),
        Need(actions=("events:PutEvents",), resource="OutcomeBus", why="announces each decision"),
    ),
    "ReviewMetricsFunction": (
        Need(actions=("dynamodb:Query",), resource="ReviewsTable", scope="index", index="pending-by-age",
             why="counts the pending reviews"),
    ),
}  # fmt: skip
