"""Every failure reaches the failed queue through one check that names an IAM denial `AccessDenied`, whichever
service reported it (Lambda's errorType, DynamoDB's or SQS's error names differ; IAM's message does not)."""

from __future__ import annotations

import json
from typing import Any

from service.domain.paths import TEMPLATE_PATH

DEFINITION: dict[str, Any] = json.loads(
    (TEMPLATE_PATH.parent / "statemachine" / "pipeline.asl.json").read_text(encoding="utf-8")
)
STATES = DEFINITION["States"]


def test_every_failure_passes_the_access_denied_check_before_the_failed_queue() -> None:
    into_failed = {name for name, state in STATES.items() if state.get("Next") == "SendToFailed"}
    assert into_failed == {"AccessDenied"}
    assert STATES["IsAccessDenied"]["Default"] == "SendToFailed"
    failure_builders = {name for name, state in STATES.items() if state.get("Next") == "IsAccessDenied"}
    assert {
        "SerializeFailed",
        "SerializeFailedUnversioned",
        "ClassifyFailed",
        "FilterFailed",
        "StoreResultFailed",
        "SendToReviewFailed",
    } == failure_builders


def test_the_check_matches_iam_denials_as_any_service_words_them() -> None:
    (rule,) = STATES["IsAccessDenied"]["Choices"]
    patterns = [test["StringMatches"] for test in rule["Or"]]
    causes = [
        "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: dynamodb:PutItem on resource: arn:t",
        "x (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException; Request ID: 1)",
        '{"errorType": "AccessDenied", "errorMessage": "The function\'s role may not s3:GetObject on arn:b/k"}',
    ]
    from service.iam.policy import matches

    assert all(any(matches(p, cause) for p in patterns) for cause in causes)
    assert not any(matches(p, '{"errorType": "CorruptImage", "errorMessage": "truncated"}') for p in patterns)
    assert STATES["AccessDenied"]["Parameters"]["error"] == "AccessDenied"
