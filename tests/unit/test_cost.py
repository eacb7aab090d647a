"""The monthly cost model: prices from infra/prices.json, resources from the template and the state machine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from service.ops import cost
from service.ops.cost import Assumptions, estimate, load_prices, read_infrastructure


@pytest.fixture(scope="module")
def prices() -> cost.PriceFile:
    return load_prices()


def test_price_file_is_dated_sourced_and_validated(prices: cost.PriceFile) -> None:
    assert prices.region == "us-east-1"
    assert prices.as_of.year >= 2025
    assert str(prices.lambda_.source).startswith("https://aws.amazon.com/")
    raw: dict[str, Any] = json.loads(cost.PRICES_PATH.read_text(encoding="utf-8"))
    raw["s3"]["put_per_requests"] = raw["s3"].pop("put_per_request")  # a typo must not pass as a price of 0
    with pytest.raises(ValidationError):
        cost.PriceFile.model_validate(raw)


def test_infrastructure_is_read_from_the_template_and_the_state_machine() -> None:
    infra = read_infrastructure()
    assert sorted(f.name for f in infra.functions) == ["classify", "filter", "serialize"]
    assert all(f.architecture == "arm64" for f in infra.functions)
    # IsFolderMarker, Serialize, Classify, Filter, Route, StoreResult / RecordReview, SendToReview; PublishOutcome.
    assert infra.transitions["accept"] == 7 and infra.transitions["review"] == 8
    # The shortest failure: IsFolderMarker, Serialize, Classify, ClassifyFailed, IsAccessDenied, SendToFailed,
    # PublishFailure.
    assert infra.transitions["failed"] == 7
    assert infra.dashboards == 1 and infra.alarm_metrics >= 4
    assert infra.idempotency_table
    assert infra.review_api is not None and (infra.review_api.name, infra.review_api.memory_mb) == ("review_api", 512)


def _task(resource: str, **parameters: str) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}


def test_transitions_follow_the_definition() -> None:
    definition: dict[str, Any] = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "x", "Next": "Store", "Catch": [{"Next": "Fail"}]},
            "Store": _task("arn:aws:states:::dynamodb:putItem", TableName="${ResultsTableName}"),
            "Review": _task("arn:aws:states:::sqs:sendMessage", QueueUrl="${ReviewQueueUrl}"),
            "Fail": _task("arn:aws:states:::sqs:sendMessage", QueueUrl="${FailedQueueUrl}"),
        },
    }
    with pytest.raises(ValueError, match="Review"):
        cost.state_transitions(definition)
    definition["States"]["A"]["Catch"].append({"Next": "Review"})
    assert cost.state_transitions(definition) == {"accept": 2, "review": 2, "failed": 2}


def _marginal(backend: cost.Backend, workflow: cost.Workflow, n: int) -> float:
    return estimate(2 * n, backend, workflow).total_usd - estimate(n, backend, workflow).total_usd


@pytest.mark.parametrize(("backend", "workflow"), cost.CONFIGURATIONS)
def test_cost_is_fixed_plus_linear_in_volume_within_a_tier(backend: cost.Backend, workflow: cost.Workflow) -> None:
    # Within the X-Ray sampling reservoir (~2.6 M traces) and the first Express duration tier.
    first, second = _marginal(backend, workflow, 100_000), _marginal(backend, workflow, 200_000)
    assert second == pytest.approx(2 * first, rel=1e-9)
    fixed = estimate(0, backend, workflow).total_usd
    assert estimate(100_000, backend, workflow).total_usd == pytest.approx(fixed + first, rel=1e-9)


def test_nothing_is_free(prices: cost.PriceFile) -> None:
    """No free tier: the first image costs what the millionth does."""
    one = estimate(1).total_usd - estimate(0).total_usd
    per_image = (estimate(1_000_000).total_usd - estimate(0).total_usd) / 1_000_000
    assert one == pytest.approx(per_image, rel=1e-9)
    at_zero = {i.item: i.monthly_usd for i in estimate(0).items}
    assert at_zero["dashboard"] == prices.cloudwatch.dashboard_per_month


def test_standard_pays_per_transition_and_express_per_request_and_duration(prices: cost.PriceFile) -> None:
    standard = estimate(1_000_000, workflow="standard").by_service()["Step Functions"]
    express = estimate(1_000_000, workflow="express").by_service()["Step Functions"]
    # 89% accepted at 7 transitions, 10% reviewed at 8 (the pending record, then the message), 1% failed at 7;
    # each route ends by publishing its outcome event.
    assert standard == pytest.approx(
        1_000_000 * (0.89 * 7 + 0.10 * 8 + 0.01 * 7) * prices.step_functions.standard_per_state_transition
    )
    assert express < standard / 10
    # Express bills whole 100 ms increments of 64 MB: a 400 ms execution at the first tier's price.
    seconds = cost.express_billed_gb_seconds(prices, read_infrastructure(), Assumptions(), "onnx")
    assert seconds == pytest.approx(64 / 1024 * 0.4)


def test_express_stops_being_cheaper_only_for_executions_of_minutes(prices: cost.PriceFile) -> None:
    infra = read_infrastructure()
    breakeven = cost.express_breakeven_seconds(prices, infra)
    assert 60 < breakeven < 600
    slow = Assumptions(state_overhead_ms=(breakeven + 10) * 1000 / infra.transitions["accept"])
    fast = Assumptions(state_overhead_ms=(breakeven - 10) * 1000 / infra.transitions["accept"])

    def step_functions(workflow: cost.Workflow, assumptions: Assumptions) -> float:
        return estimate(1000, workflow=workflow, assumptions=assumptions).by_service()["Step Functions"]

    assert step_functions("express", slow) > step_functions("standard", slow)
    assert step_functions("express", fast) < step_functions("standard", fast)


def test_sagemaker_adds_an_always_on_endpoint(prices: cost.PriceFile) -> None:
    onnx, sagemaker = estimate(0, "onnx"), estimate(0, "sagemaker")
    endpoint = prices.hours_per_month * prices.sagemaker.instance_per_hour
    assert sagemaker.total_usd - onnx.total_usd == pytest.approx(endpoint)
    assert "SageMaker" not in onnx.by_service()
    # Per image, Classify only waits on the endpoint, plus the data it sends.
    busy = estimate(1_000_000, "sagemaker").by_service()
    assert busy["SageMaker"] > endpoint


def test_xray_traces_the_templates_sampling_rate_with_no_reservoir() -> None:
    def traces(n: int) -> float:
        (item,) = [i for i in estimate(n).items if i.service == "X-Ray"]
        return item.quantity

    assert read_infrastructure().trace_sampling_rate == 0.05
    assert traces(1_000_000) == pytest.approx(50_000)
    assert traces(100_000_000) == pytest.approx(5_000_000)


def test_review_and_failure_shares_move_writes_to_queues() -> None:
    quiet = Assumptions(review_share=0.0, failed_share=0.0, audit_rate=0.0)
    none_reviewed = estimate(1_000_000, assumptions=quiet).by_service()
    half_failed = estimate(1_000_000, assumptions=quiet.model_copy(update={"failed_share": 0.5})).by_service()
    assert none_reviewed["SQS"] == 0
    assert half_failed["SQS"] > 0 and half_failed["DynamoDB"] < none_reviewed["DynamoDB"]


def test_negative_volume_is_refused() -> None:
    with pytest.raises(ValueError):
        estimate(-1)


def _cli() -> Any:
    # Importing the modules registers their commands (with one command only, typer would drop the sub-command).
    from service.cli import app, commands  # noqa: F401
    from service.cli import cost as cost_command  # noqa: F401

    return app


def test_cli_json_matches_the_model() -> None:
    result = CliRunner().invoke(_cli(), ["cost", "--images-per-month", "1000000", "--workflow", "express", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["total_usd"] == pytest.approx(estimate(1_000_000, workflow="express").total_usd)
    assert {i["service"] for i in printed["items"]} >= {"Lambda", "Step Functions", "S3", "DynamoDB", "CloudWatch"}


def test_cli_markdown_compares_three_configurations_at_three_volumes() -> None:
    result = CliRunner().invoke(_cli(), ["cost", "--markdown"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 2 * 3
    assert "onnx + STANDARD" in lines[0] and "onnx + EXPRESS" in lines[0] and "sagemaker + EXPRESS" in lines[0]
    volumes = [line.split("|")[1].split()[0] for line in lines[2::2]]
    assert volumes == ["10,000", "1,000,000", "100,000,000"]
    assert all("keeping, month 12" in line for line in lines[3::2])


def test_cli_needs_one_volume_without_markdown() -> None:
    result = CliRunner().invoke(_cli(), ["cost"])
    assert result.exit_code != 0


def test_processing_at_a_million_images_stays_under_three_cents_per_thousand() -> None:
    found = estimate(1_000_000)
    assert found.workflow == "express"
    assert found.processing_per_thousand_images_usd is not None
    assert found.processing_per_thousand_images_usd <= 0.03
    # Keeping the uploads is its own line, priced over the horizon.
    (uploads,) = [i for i in found.items if i.category == "keeping uploads"]
    assert "month 12" in uploads.item
    assert found.keeping_uploads_usd == pytest.approx(uploads.monthly_usd)


def test_storage_grows_with_the_horizon_unless_uploads_expire() -> None:
    kept = {months: estimate(1_000_000, months=months).keeping_uploads_usd for months in (1, 6, 12)}
    assert kept[1] < kept[6] < kept[12]
    assert kept[12] == pytest.approx(12 * kept[1])
    # 30 days' retention, plus 30 as a non-current version: about two months of uploads, whatever the horizon.
    expiring = estimate(1_000_000, months=12, upload_retention_days=30).keeping_uploads_usd
    assert expiring == pytest.approx(estimate(1_000_000, months=24, upload_retention_days=30).keeping_uploads_usd)
    assert expiring == pytest.approx(kept[1] * 60 / (365.25 / 12))
    # Standard-IA after 30 days halves the price of what is older than a month, for a transition each.
    cheaper = estimate(1_000_000, months=12, infrequent_access_days=30)
    assert cheaper.keeping_uploads_usd < kept[12]
    assert any("transitions" in i.item for i in cheaper.items if i.category == "keeping uploads")
    assert cheaper.processing_usd == pytest.approx(estimate(1_000_000).processing_usd)


def test_metrics_have_bounded_dimensions() -> None:
    # One series per metric, one per class for ImagesClassified, one cold-start series per function.
    assert cost.custom_metric_count(classes=2) == 9 + 2 + 5


def test_every_price_section_names_its_page_and_when_it_was_read(prices: cost.PriceFile) -> None:
    raw: dict[str, Any] = json.loads(cost.PRICES_PATH.read_text(encoding="utf-8"))
    sections = [value for value in raw.values() if isinstance(value, dict)]
    assert len(sections) >= 10
    for section in sections:
        assert section["source"].startswith("https://aws.amazon.com/")
        assert "checked" in section
    assert prices.eventbridge.opt_in_data_event > 0  # S3 events are data events, not free management events


def test_the_review_desk_costs_its_requests_and_its_reviewers() -> None:
    prices = cost.load_prices()
    few = cost.estimate(10_000, assumptions=cost.Assumptions(reviewers=3))
    many = cost.estimate(1_000_000, assumptions=cost.Assumptions(reviewers=3))
    items = {(i.service, i.item): i for i in few.items}
    requests = items[("API Gateway", "HTTP API requests (review desk)")]
    decisions = 10_000 * (1 - 0.10 - 0.01) * 0.02 + 10_000 * 0.10  # audits + reviews
    assert requests.quantity == pytest.approx(decisions * 6.0)
    assert requests.monthly_usd == pytest.approx(requests.quantity * prices.api_gateway.http_api_per_request)
    reviewers = next(i for i in few.items if i.service == "Cognito")
    assert (reviewers.quantity, reviewers.monthly_usd) == (3, pytest.approx(3 * prices.cognito.per_monthly_active_user))
    # Reviewers cost the same at any volume; requests grow with the images people look at.
    assert next(i for i in many.items if i.service == "Cognito").monthly_usd == reviewers.monthly_usd
    many_requests = next(i for i in many.items if i.service == "API Gateway")
    assert many_requests.quantity == pytest.approx(100 * requests.quantity)
    assert ("Lambda", "review_api: requests") in items


def test_outcome_events_are_one_per_upload_and_one_per_decision(prices: cost.PriceFile) -> None:
    a = Assumptions()
    found = estimate(1_000_000, assumptions=a)
    (line,) = [item for item in found.items if item.service == "EventBridge" and "outcome events" in item.item]
    accepted = 1_000_000 * (1 - a.review_share - a.failed_share)
    assert line.quantity == pytest.approx(1_000_000 + 1_000_000 * a.review_share + accepted * a.audit_rate)
    assert line.monthly_usd == pytest.approx(line.quantity * prices.eventbridge.custom_event)
    assert prices.eventbridge.custom_event == pytest.approx(1.0 / 1_000_000)  # $1.00 per million custom events
