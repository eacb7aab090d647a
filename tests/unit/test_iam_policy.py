"""The local stack's IAM evaluation: actions and resources (wildcards, case), explicit denies, conditions."""

from __future__ import annotations

from types import SimpleNamespace

from service.iam import context as iam_context
from service.iam import policy as iam_policy
from service.iam import resources as iam_resources

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/scones-ResultsTable-ABC"
BUCKET = "arn:aws:s3:::scones-intake"
NOW = "2026-05-01T10:00:00Z"


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


# The template's own condition: the state machine and the review API may count only into the stack's namespace.
NAMESPACE_BOUND = {
    "Effect": "Allow",
    "Action": "cloudwatch:PutMetricData",
    "Resource": "*",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "Scones"}},
}


def test_a_condition_is_evaluated_against_the_request_context() -> None:
    found = _statements(NAMESPACE_BOUND)
    assert iam_policy.evaluate(found, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Scones"]}).allowed
    # Keys are case-insensitive, values of StringEquals are not.
    assert iam_policy.evaluate(found, "cloudwatch:PutMetricData", "*", {"CloudWatch:Namespace": ["Scones"]}).allowed
    assert not iam_policy.evaluate(found, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["scones"]}).allowed
    assert not iam_policy.evaluate(found, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Other"]}).allowed
    assert not iam_policy.evaluate(found, "cloudwatch:PutMetricData", "*", {}).allowed  # no key: no match


def test_a_missing_key_fails_a_positive_operator_and_passes_a_negated_one() -> None:
    deny_other_regions = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    }
    found = _statements({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}, deny_other_regions)
    assert iam_policy.evaluate(found, "sqs:SendMessage", "q", {"aws:RequestedRegion": ["eu-west-1"]}).allowed
    assert not iam_policy.evaluate(found, "sqs:SendMessage", "q", {"aws:RequestedRegion": ["ap-south-1"]}).allowed
    # Absent, a negated condition holds (IAM's "Condition operators" page): the Deny applies.
    assert iam_policy.evaluate(found, "sqs:SendMessage", "q", {}).decision == "explicitDeny"


def test_if_exists_null_bool_numeric_and_date_operators() -> None:
    def holds(condition: dict[str, object], context: dict[str, list[str]]) -> bool:
        found = _statements({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition})
        return iam_policy.evaluate(found, "s3:GetObject", f"{BUCKET}/x", context).allowed

    assert holds({"StringEqualsIfExists": {"s3:prefix": "a/"}}, {})
    assert not holds({"StringEqualsIfExists": {"s3:prefix": "a/"}}, {"s3:prefix": ["b/"]})
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not holds({"Null": {"aws:TokenIssueTime": "false"}}, {})
    assert holds({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": ["true"]})
    assert not holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": ["false"]})
    assert holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["9"]})
    assert not holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["10"]})
    assert not holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": ["ten"]})
    assert holds({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:CurrentTime": [NOW]})
    assert not holds({"DateLessThan": {"aws:EpochTime": "1577836800"}}, {"aws:EpochTime": ["1777629600"]})
    assert not holds({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": ["10.0.0.1"]})  # not known


def test_set_qualifiers_compare_every_value_of_a_multivalued_key() -> None:
    def holds(operator: str, tags: list[str] | None) -> bool:
        condition = {operator: {"aws:TagKeys": ["team", "cost"]}}
        found = _statements({"Effect": "Allow", "Action": "sqs:TagQueue", "Resource": "*", "Condition": condition})
        return iam_policy.evaluate(found, "sqs:TagQueue", "q", {} if tags is None else {"aws:TagKeys": tags}).allowed

    assert holds("ForAllValues:StringEquals", ["team"])
    assert not holds("ForAllValues:StringEquals", ["team", "owner"])
    assert holds("ForAllValues:StringEquals", None)  # an empty set is within any set
    assert holds("ForAnyValue:StringEquals", ["owner", "cost"])
    assert not holds("ForAnyValue:StringEquals", ["owner"])
    assert not holds("ForAnyValue:StringEquals", None)


def test_the_condition_keys_a_role_names() -> None:
    found = _statements(NAMESPACE_BOUND, {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"})
    assert iam_policy.condition_keys(found) == frozenset({"cloudwatch:namespace"})


def test_the_request_context_of_a_role_call() -> None:
    role = "arn:aws:iam::123456789012:role/scones-PipelineStateMachineRole-ABC"
    context = iam_context.global_keys(role, "states-execution", "123456789012", "eu-west-1")
    assert context["aws:PrincipalArn"] == [role]
    assert context["aws:RequestedRegion"] == ["eu-west-1"]
    assert context["aws:SecureTransport"] == ["true"]
    assert context["aws:userid"] == ["scones-PipelineStateMachineRole-ABC:states-execution"]
    # PutMetricData's namespace, from a request as moto parsed it (CloudWatch speaks CBOR) or as a query form.
    parsed = SimpleNamespace(automated_parameter_parsing=True, params={"Namespace": "Other"})
    assert iam_context.service_keys("cloudwatch:PutMetricData", parsed) == {"cloudwatch:namespace": ["Other"]}
    form = SimpleNamespace(body="", querystring={"Namespace": ["Scones"]})
    assert iam_context.service_keys("cloudwatch:PutMetricData", form) == {"cloudwatch:namespace": ["Scones"]}
    assert iam_context.service_keys("sqs:SendMessage", form) == {}
    assert iam_context.region_of("arn:aws:states:eu-west-1:1:stateMachine:x") == "eu-west-1"
