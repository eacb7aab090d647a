"""The local stack's IAM evaluation: actions and resources (wildcards, case), explicit denies, conditions."""

from __future__ import annotations

from types import SimpleNamespace

from service.iam import policy as iam_policy
from service.iam import resources as iam_resources

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/scones-ResultsTable-ABC"
BUCKET = "arn:aws:s3:::scones-intake"


def _statements(*bodies: dict[str, object]) -> list[iam_policy.Statement]:
    return iam_policy.statements({"policy": {"Statement": list(bodies)}})


def test_an_action_is_allowed_only_on_the_resources_named() -> None:
    found = _statements({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert iam_policy.evaluate(found, "dynamodb:PutItem", TABLE).allowed
    assert not iam_policy.evaluate(found, "dynamodb:PutItem", TABLE.replace("Results", "Reviews")).allowed
    assert not iam_policy.evaluate(found, "dynamodb:DeleteItem", TABLE).allowed


def test_actions_match_without_case_and_resources_with_it() -> None:
    found = _statements({"Effect": "Allow", "Action": "S3:Get*", "Resource": f"{BUCKET}/*"})
    assert iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET}/a dir/é+1.png").allowed
    assert not iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET.upper()}/a.png").allowed
    assert not iam_policy.evaluate(found, "s3:GetObject", BUCKET).allowed  # the bucket is not an object


def test_an_explicit_deny_wins_and_says_so() -> None:
    found = _statements(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/*"},
    )
    verdict = iam_policy.evaluate(found, "s3:DeleteObject", f"{BUCKET}/x.png")
    assert not verdict.allowed and verdict.reason == "explicitly denied"
    assert iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET}/x.png").allowed


def test_not_action_and_not_resource() -> None:
    found = _statements({"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": f"{BUCKET}/private/*"})
    assert iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET}/x.png").allowed
    assert not iam_policy.evaluate(found, "s3:DeleteObject", f"{BUCKET}/x.png").allowed
    assert not iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET}/private/x.png").allowed


def test_a_condition_must_hold_and_an_unknown_operator_never_allows() -> None:
    found = _statements(
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:*:*:rule/scones-*"}},
        },
        {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*", "Condition": {"Madeup": {"k": "v"}}},
    )
    source = {"aws:SourceArn": ["arn:aws:events:us-east-1:123:rule/scones-ObjectCreated"]}
    assert iam_policy.evaluate(found, "sqs:SendMessage", "q", source).allowed
    assert not iam_policy.evaluate(found, "sqs:SendMessage", "q", {"aws:SourceArn": ["arn:other"]}).allowed
    assert not iam_policy.evaluate(found, "sqs:SendMessage", "q").allowed
    assert not iam_policy.evaluate(found, "sqs:ReceiveMessage", "q", {"k": ["v"]}).allowed


def test_policies_as_json_text_are_read_too() -> None:
    found = iam_policy.statements({"p": '{"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}'})
    assert iam_policy.evaluate(found, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q").allowed


def test_request_resources_are_the_arns_iam_authorises_on() -> None:
    query = SimpleNamespace(body={"TableName": "t", "IndexName": "by-label"}, querystring={})
    assert iam_resources.resources("dynamodb", "Query", query, "us-east-1", "1") == [
        "arn:aws:dynamodb:us-east-1:1:table/t/index/by-label"
    ]
    send = SimpleNamespace(body='{"QueueUrl": "http://127.0.0.1:4566/1/scones-Failed"}', querystring={})
    assert iam_resources.resources("sqs", "SendMessage", send, "us-east-1", "1") == [
        "arn:aws:sqs:us-east-1:1:scones-Failed"
    ]
    invoke = SimpleNamespace(path="/2015-03-31/functions/scones-Serialize/invocations", body=b"", querystring={})
    assert iam_resources.resources("lambda", "Invoke", invoke, "us-east-1", "1") == [
        "arn:aws:lambda:us-east-1:1:function:scones-Serialize"
    ]
    assert iam_resources.iam_action("lambda", "Invoke") == "lambda:InvokeFunction"
    assert iam_resources.iam_action("s3", "HeadObject", versioned=True) == "s3:GetObjectVersion"
    assert iam_resources.iam_action("monitoring", "PutMetricData") == "cloudwatch:PutMetricData"
