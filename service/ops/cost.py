"""Monthly cost estimate of a deployment, itemised, from the dated price file infra/prices.json.

The resources come from the template itself (each function's memory and architecture) and the state machine's
definition (how many state transitions an image costs), so the estimate follows the infrastructure as it changes.
No free tier is applied anywhere: it is per account, shared with every other workload, and would make small
volumes look free. What is not a price (durations, sizes, shares of reviews and failures) is an `Assumptions`
field with its reason, and every estimate lists the assumptions it used.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, NonNegativeFloat, PositiveFloat, computed_field

from service.domain import metric_names
from service.domain.paths import INFRA_DIR, STATE_MACHINE_PATH, TEMPLATE_PATH

PRICES_PATH = INFRA_DIR / "prices.json"
GB = 2**30  # AWS bills stored and transferred data in GB of 2^30 bytes
SECONDS_PER_HOUR = 3600

Backend = Literal["onnx", "sagemaker"]
Workflow = Literal["standard", "express"]


class _Prices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: HttpUrl
    checked: date  # when the figures were last read from `source`


class LambdaPrices(_Prices):
    arm64_per_gb_second: PositiveFloat
    x86_64_per_gb_second: PositiveFloat
    per_request: PositiveFloat


class DurationTier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    up_to_gb_hours: PositiveFloat | None = Field(description="Upper bound of the tier (cumulative); null: no bound.")
    per_gb_second: PositiveFloat


class StepFunctionsPrices(_Prices):
    standard_per_state_transition: PositiveFloat
    express_per_request: PositiveFloat
    express_duration_tiers: list[DurationTier] = Field(min_length=1)
    express_memory_increment_mb: PositiveFloat
    express_duration_increment_ms: PositiveFloat


class S3Prices(_Prices):
    put_per_request: PositiveFloat
    get_per_request: PositiveFloat
    standard_storage_per_gb_month: PositiveFloat
    standard_ia_storage_per_gb_month: PositiveFloat
    lifecycle_transition_per_request: PositiveFloat


class EventBridgePrices(_Prices):
    aws_management_event: NonNegativeFloat
    # S3's "Object Created" events are data-plane events a bucket opts in to, not free management events.
    opt_in_data_event: PositiveFloat
    # Every outcome published on the stack's own bus (PutEvents, per 64 KB chunk: each outcome is one).
    custom_event: PositiveFloat


class DynamoDBPrices(_Prices):
    per_write_request_unit: PositiveFloat
    per_read_request_unit: PositiveFloat
    storage_per_gb_month: PositiveFloat
    pitr_per_gb_month: PositiveFloat


class SQSPrices(_Prices):
    standard_per_request: PositiveFloat


class CloudWatchPrices(_Prices):
    custom_metric_per_month: PositiveFloat
    logs_ingestion_per_gb: PositiveFloat
    logs_storage_per_gb_month: PositiveFloat
    dashboard_per_month: PositiveFloat
    standard_alarm_metric_per_month: PositiveFloat
    put_metric_data_per_request: PositiveFloat  # not used: the functions emit metrics as EMF log lines


class XRayPrices(_Prices):
    per_trace_recorded: PositiveFloat


class KMSPrices(_Prices):
    customer_managed_key_per_month: PositiveFloat
    per_request: PositiveFloat


class SageMakerPrices(_Prices):
    instance_type: str
    instance_per_hour: PositiveFloat
    data_processed_per_gb: PositiveFloat


class ApiGatewayPrices(_Prices):
    http_api_per_request: PositiveFloat  # the first 300 million a month


class CognitoPrices(_Prices):
    tier: str
    per_monthly_active_user: PositiveFloat


class PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    region: str
    currency: Literal["USD"]
    as_of: date
    note: str
    lambda_: LambdaPrices = Field(alias="lambda")
    step_functions: StepFunctionsPrices
    s3: S3Prices
    eventbridge: EventBridgePrices
    dynamodb: DynamoDBPrices
    sqs: SQSPrices
    cloudwatch: CloudWatchPrices
    xray: XRayPrices
    kms: KMSPrices
    sagemaker: SageMakerPrices
    api_gateway: ApiGatewayPrices
    cognito: CognitoPrices
    hours_per_month: PositiveFloat


class Assumptions(BaseModel):
    """Everything the estimate needs that is not a price, with why each default is what it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_bytes: PositiveFloat = Field(500_000, description="An average phone photo, resized JPEG.")
    review_share: float = Field(0.10, ge=0, le=1, description="Images below the confidence threshold.")
    failed_share: float = Field(0.01, ge=0, le=1, description="Unreadable or oversized uploads.")
    # Warm durations on arm64 at the template's memory: Serialize reads and decodes a 500 KB JPEG (~90 ms for a
    # 3 MP image on one full x86 core here; 1024 MB is ~0.6 vCPU), ONNX inference on 32x32 input takes ~2 ms plus
    # the handler's parsing and metrics, Filter only compares and builds a record.
    duration_ms: dict[str, PositiveFloat] = Field(
        default_factory=lambda: {"serialize": 150.0, "classify": 20.0, "filter": 5.0},
        description="Billed duration per invocation, by handler module.",
    )
    sagemaker_classify_ms: PositiveFloat = Field(
        60.0, description="Classify waiting on a real-time endpoint (network round trip + inference)."
    )
    state_overhead_ms: NonNegativeFloat = Field(
        25.0, description="Step Functions' own time per state (scheduling, service integrations)."
    )
    payload_bytes: PositiveFloat = Field(2_000, description="The model-sized PNG sent to a SageMaker endpoint.")
    result_item_bytes: PositiveFloat = Field(800, description="A results-table item with its attribute names.")
    log_bytes_per_image: PositiveFloat = Field(
        5_000, description="Lambda START/END/REPORT lines, one structured log line and one EMF blob per function."
    )
    audit_rate: float = Field(0.02, ge=0, le=1, description="The template's AuditRate default.")
    review_item_bytes: PositiveFloat = Field(1_000, description="A reviews-table item (the record and the reason).")
    kms_requests_per_table_hour: NonNegativeFloat = Field(
        12.0, description="DynamoDB asks KMS for a table's key about every 5 minutes (it caches the key)."
    )
    reviewers: int = Field(5, ge=0, description="People who sign in to the review desk in a month (Cognito MAUs).")
    api_requests_per_decision: PositiveFloat = Field(
        6.0,
        description="Review API requests per decision: its image in the grid and at full size, next, renew, resolve, "
        "and its share of the page's list refreshes.",
    )
    review_api_ms: PositiveFloat = Field(
        120.0, description="A review API request: a DynamoDB read or write, or one image read and re-encoded."
    )


Category = Literal["processing", "keeping uploads", "keeping results"]


class LineItem(BaseModel):
    service: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly_usd: float
    # processing: what handling the month's images costs; keeping: what storing the data so far costs in the
    # horizon's last month (it grows with the horizon, and with the uploads' retention).
    category: Category = "processing"


class Estimate(BaseModel):
    images_per_month: int
    backend: Backend
    workflow: Workflow
    region: str
    prices_as_of: date
    months: int
    upload_retention_days: int
    infrequent_access_days: int
    items: list[LineItem]
    assumptions: Assumptions
    notes: list[str]

    def _sum(self, *categories: Category) -> float:
        return sum(item.monthly_usd for item in self.items if item.category in categories)

    def _per_thousand(self, usd: float) -> float | None:
        return usd / self.images_per_month * 1000 if self.images_per_month else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_usd(self) -> float:
        return sum(item.monthly_usd for item in self.items)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def per_thousand_images_usd(self) -> float | None:
        return self._per_thousand(self.total_usd)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def processing_usd(self) -> float:
        return self._sum("processing")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def processing_per_thousand_images_usd(self) -> float | None:
        return self._per_thousand(self.processing_usd)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keeping_uploads_usd(self) -> float:
        return self._sum("keeping uploads")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keeping_results_usd(self) -> float:
        return self._sum("keeping results")

    def by_service(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for item in self.items:
            totals[item.service] = totals.get(item.service, 0.0) + item.monthly_usd
        return totals


class FunctionSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str  # the handler module: serialize, classify, filter
    memory_mb: PositiveFloat
    architecture: Literal["arm64", "x86_64"]


class Infrastructure(BaseModel):
    """What the template and the state machine say about the resources that cost money per image."""

    model_config = ConfigDict(frozen=True)
    functions: list[FunctionSpec]
    transitions: dict[str, int]  # per route: accept, review, failed
    alarm_metrics: int
    dashboards: int
    kms_keys: int
    idempotency_table: bool  # Serialize claims each upload in a table of its own
    dynamodb_tables: int
    trace_sampling_rate: float  # the TraceSamplingRate default (the X-Ray rule has no reservoir)
    upload_retention_days: int  # the UploadRetentionDays default (0: kept)
    infrequent_access_days: int  # the UploadInfrequentAccessDays default (0: never)
    scheduled_runs_per_month: float  # the review metrics function, every 5 minutes
    #: The function behind the review desk's HTTP API: called per reviewer's request, not per image.
    review_api: FunctionSpec | None = None


def load_prices(path: Path = PRICES_PATH) -> PriceFile:
    return PriceFile.model_validate_json(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------------------------
# Reading the infrastructure


def successors(state: dict[str, Any]) -> list[str]:
    """The states a state may go on to: Next, a Choice's branches and Default, and its catchers."""
    following = [state.get("Next"), state.get("Default")]
    following += [choice.get("Next") for choice in state.get("Choices", [])]
    following += [catcher.get("Next") for catcher in state.get("Catch", [])]
    return [name for name in following if name]


def _shortest_path(definition: dict[str, Any], target: str) -> list[str]:
    states = definition["States"]
    start = definition["StartAt"]
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        if name == target:
            path = []
            current: str | None = name
            while current is not None:
                path.append(current)
                current = parents[current]
            return path[::-1]
        for following in successors(states[name]):
            if following not in parents:
                parents[following] = name
                queue.append(following)
    raise ValueError(f"state {target!r} cannot be reached from {start!r}")


def _terminal_state(definition: dict[str, Any], resource: str, placeholder: str | None = None) -> str:
    for name, state in definition["States"].items():
        is_task = state.get("Type") == "Task" and resource in state.get("Resource", "")
        if is_task and (placeholder is None or placeholder in json.dumps(state.get("Parameters", {}))):
            return name
    raise ValueError(f"no task on {resource} {placeholder or ''} in the state machine")


def state_transitions(definition: dict[str, Any]) -> dict[str, int]:
    """States entered per image on each route (Step Functions bills one transition per state entered).

    The failed route is the shortest one: an image rejected by Serialize, the most common failure.
    """
    targets = {
        "accept": _terminal_state(definition, ":dynamodb:putItem", "${ResultsTableName}"),
        "review": _terminal_state(definition, ":sqs:sendMessage", "${ReviewQueueUrl}"),
        "failed": _terminal_state(definition, ":sqs:sendMessage", "${FailedQueueUrl}"),
    }
    return {
        route: len(_shortest_path(definition, target)) + _states_after(definition, target)
        for route, target in targets.items()
    }


def _states_after(definition: dict[str, Any], name: str) -> int:
    """The states an image still enters after its write when all goes well (publishing its outcome event)."""
    count = 0
    following = definition["States"][name].get("Next")
    while following:
        count += 1
        following = definition["States"][following].get("Next")
    return count


def _alarm_metrics(resource: dict[str, Any]) -> int:
    """CloudWatch bills an alarm per metric it watches (a metric-math alarm: each metric in it)."""
    props = resource["Properties"]
    if "Metrics" in props:
        return sum(1 for metric in props["Metrics"] if "MetricStat" in metric)
    return 1


@lru_cache(maxsize=1)
def read_infrastructure(
    template_path: Path = TEMPLATE_PATH, definition_path: Path = STATE_MACHINE_PATH
) -> Infrastructure:
    from service.ops.template_file import load_template  # PyYAML is a CLI extra

    template = load_template(template_path)
    globals_function = template.get("Globals", {}).get("Function", {})
    functions = []
    review_api: FunctionSpec | None = None
    alarm_metrics = dashboards = kms_keys = tables = 0
    scheduled = 0.0
    for resource in template["Resources"].values():
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function":
            props = {**globals_function, **resource["Properties"]}
            if any(event.get("Type") == "Schedule" for event in props.get("Events", {}).values()):
                scheduled += 30 * 24 * 12  # rate(5 minutes): not once per image
                continue
            spec = FunctionSpec(
                name=props["Handler"].split(".")[-2],
                memory_mb=props.get("MemorySize", 128),
                architecture=props.get("Architectures", ["x86_64"])[0],
            )
            if any(event.get("Type") == "HttpApi" for event in props.get("Events", {}).values()):
                review_api = spec
            else:
                functions.append(spec)
        elif kind == "AWS::CloudWatch::Alarm":
            alarm_metrics += _alarm_metrics(resource)
        elif kind == "AWS::CloudWatch::Dashboard":
            dashboards += 1
        elif kind == "AWS::KMS::Key":
            kms_keys += 1
        elif kind == "AWS::DynamoDB::Table":
            tables += 1
    variables = [
        resource["Properties"].get("Environment", {}).get("Variables", {})
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    definition = json.loads(definition_path.read_text(encoding="utf-8"))
    parameters = template.get("Parameters", {})
    return Infrastructure(
        functions=functions,
        transitions=state_transitions(definition),
        alarm_metrics=alarm_metrics,
        dashboards=dashboards,
        kms_keys=kms_keys,
        idempotency_table=any("IDEMPOTENCY_TABLE" in v for v in variables),
        dynamodb_tables=tables,
        trace_sampling_rate=float(parameters["TraceSamplingRate"]["Default"]),
        upload_retention_days=int(parameters["UploadRetentionDays"]["Default"]),
        infrequent_access_days=int(parameters["UploadInfrequentAccessDays"]["Default"]),
        scheduled_runs_per_month=scheduled,
        review_api=review_api,
    )


def custom_metric_count(classes: int = 2) -> int:
    """Distinct metrics (name + dimensions) the functions emit, each billed per month.

    Every dimension is bounded: `service` is one value, `Label` one per class, and rejections are one series (the
    error code is a log field).
    """
    per_service = {
        metric_names.IMAGES_RECEIVED,
        metric_names.IMAGES_REJECTED,
        metric_names.IMAGE_BYTES,
        metric_names.INFERENCE_LATENCY,
        metric_names.IMAGES_ACCEPTED,
        metric_names.IMAGES_SENT_TO_REVIEW,
        metric_names.CONFIDENCE,
        metric_names.PENDING_REVIEWS,
        metric_names.OLDEST_PENDING_REVIEW_AGE,
    }
    cold_starts = 5  # one per function (dimension function_name)
    return len(per_service) + classes + cold_starts


# ----------------------------------------------------------------------------------------------------------------
# The estimate


def _gb_seconds(memory_mb: float, milliseconds: float) -> float:
    # Lambda and Step Functions count memory in MB of 1024 per GB.
    return memory_mb / 1024 * milliseconds / 1000


def _tiered(quantity_gb_seconds: float, tiers: list[DurationTier]) -> float:
    cost, used = 0.0, 0.0
    for tier in tiers:
        bound = tier.up_to_gb_hours * SECONDS_PER_HOUR if tier.up_to_gb_hours is not None else float("inf")
        portion = max(0.0, min(quantity_gb_seconds, bound) - used)
        cost += portion * tier.per_gb_second
        used += portion
        if used >= quantity_gb_seconds:
            break
    return cost


def express_billed_gb_seconds(
    prices: PriceFile, infrastructure: Infrastructure, assumptions: Assumptions, backend: Backend
) -> float:
    """One Express execution: its duration, rounded up to the billing increment, at the smallest memory increment
    (the state holds a few KB, far below 64 MB)."""
    sfn = prices.step_functions
    execution_ms = sum(_duration_ms(f.name, assumptions, backend) for f in infrastructure.functions)
    execution_ms += assumptions.state_overhead_ms * infrastructure.transitions["accept"]
    increment = sfn.express_duration_increment_ms
    billed_ms = -(-execution_ms // increment) * increment
    return _gb_seconds(sfn.express_memory_increment_mb, billed_ms)


def express_breakeven_seconds(prices: PriceFile, infrastructure: Infrastructure) -> float:
    """Execution duration above which a Standard execution of the accept path costs less than an Express one."""
    sfn = prices.step_functions
    standard = infrastructure.transitions["accept"] * sfn.standard_per_state_transition
    gb = sfn.express_memory_increment_mb / 1024
    return (standard - sfn.express_per_request) / (gb * sfn.express_duration_tiers[0].per_gb_second)


def _duration_ms(function: str, assumptions: Assumptions, backend: Backend) -> float:
    if function == "classify" and backend == "sagemaker":
        return assumptions.sagemaker_classify_ms
    return assumptions.duration_ms[function]


def uploads_kept_gb(
    images_per_month: float, image_bytes: float, months: int, retention_days: int
) -> tuple[float, float]:
    """GB of uploads stored in the horizon's last month: (all of them, those older than a month).

    An expired upload stays 30 more days as a non-current version (the bucket is versioned).
    """
    month_days = 365.25 / 12
    kept_months = float(months) if retention_days == 0 else min(float(months), (retention_days + 30) / month_days)
    total = images_per_month * kept_months * image_bytes / GB
    older = images_per_month * max(0.0, kept_months - 1) * image_bytes / GB
    return total, older


def estimate(
    images_per_month: int,
    backend: Backend = "onnx",
    workflow: Workflow = "express",
    prices: PriceFile | None = None,
    assumptions: Assumptions | None = None,
    infrastructure: Infrastructure | None = None,
    months: int = 12,
    upload_retention_days: int | None = None,
    infrequent_access_days: int | None = None,
) -> Estimate:
    """The monthly bill in the horizon's `months`-th month: processing that month's images, and keeping the
    uploads and results written so far."""
    if images_per_month < 0:
        raise ValueError("images_per_month must be >= 0")
    if months < 1:
        raise ValueError("months must be >= 1")
    p = prices or load_prices()
    a = assumptions or Assumptions()
    infra = infrastructure or read_infrastructure()
    retention = infra.upload_retention_days if upload_retention_days is None else upload_retention_days
    to_ia = infra.infrequent_access_days if infrequent_access_days is None else infrequent_access_days
    if retention < 0 or to_ia < 0:
        raise ValueError("retention and infrequent-access days must be >= 0")
    n = float(images_per_month)
    items: list[LineItem] = []

    def add(
        service: str,
        item: str,
        quantity: float,
        unit: str,
        unit_price: float,
        cost: float | None = None,
        category: Category = "processing",
    ) -> None:
        monthly = quantity * unit_price if cost is None else cost
        items.append(
            LineItem(
                service=service,
                item=item,
                quantity=quantity,
                unit=unit,
                unit_price=unit_price,
                monthly_usd=monthly,
                category=category,
            )
        )

    accepted = n * (1 - a.review_share - a.failed_share)
    reviewed = n * a.review_share
    failed = n * a.failed_share
    audited = accepted * a.audit_rate
    # Every upload is serialized; only readable images reach Classify and Filter.
    invocations = {"serialize": n, "classify": n - failed, "filter": n - failed}

    def add_function(function: FunctionSpec, calls: float, milliseconds: float) -> None:
        """A function's compute (at its memory and architecture) and its requests."""
        rate = p.lambda_.arm64_per_gb_second if function.architecture == "arm64" else p.lambda_.x86_64_per_gb_second
        add(
            "Lambda",
            f"{function.name}: compute ({function.memory_mb:.0f} MB, {function.architecture})",
            calls * _gb_seconds(function.memory_mb, milliseconds),
            "GB-s",
            rate,
        )
        add("Lambda", f"{function.name}: requests", calls, "requests", p.lambda_.per_request)

    # Lambda
    for function in infra.functions:
        add_function(function, invocations[function.name], _duration_ms(function.name, a, backend))
    if infra.scheduled_runs_per_month:
        # The review metrics function: two small queries in ~200 ms at 256 MB.
        runs = infra.scheduled_runs_per_month
        add("Lambda", "review metrics: every 5 minutes", runs, "requests", p.lambda_.per_request)
        add(
            "Lambda",
            "review metrics: compute (256 MB)",
            runs * _gb_seconds(256, 200),
            "GB-s",
            p.lambda_.arm64_per_gb_second,
        )

    # The review desk: people's requests to the HTTP API and its function, and the reviewers who sign in.
    if infra.review_api is not None:
        requests = (reviewed + audited) * a.api_requests_per_decision
        add("API Gateway", "HTTP API requests (review desk)", requests, "requests", p.api_gateway.http_api_per_request)
        add_function(infra.review_api, requests, a.review_api_ms)
        add(
            "Cognito",
            f"reviewers (monthly active users, {p.cognito.tier})",
            a.reviewers,
            "MAU",
            p.cognito.per_monthly_active_user,
        )

    # Step Functions
    if workflow == "standard":
        t = infra.transitions
        transitions = accepted * t["accept"] + reviewed * t["review"] + failed * t["failed"]
        add(
            "Step Functions",
            "standard state transitions",
            transitions,
            "transitions",
            p.step_functions.standard_per_state_transition,
        )
    else:
        add("Step Functions", "express requests", n, "executions", p.step_functions.express_per_request)
        gb_seconds = n * express_billed_gb_seconds(p, infra, a, backend)
        cost = _tiered(gb_seconds, p.step_functions.express_duration_tiers)
        add(
            "Step Functions",
            "express duration (64 MB)",
            gb_seconds,
            "GB-s",
            cost / gb_seconds if gb_seconds else 0.0,
            cost,
        )

    # S3: the upload and Serialize's one GetObject; keeping the uploads is its own category.
    add("S3", "PUT (uploads)", n, "requests", p.s3.put_per_request)
    add("S3", "GET (Serialize)", n, "requests", p.s3.get_per_request)
    kept_gb, older_gb = uploads_kept_gb(n, a.image_bytes, months, retention)
    ia_gb = older_gb if to_ia else 0.0  # the class's 30-day minimum: only uploads older than a month move
    kept_for = f"{retention} days + 30 as a non-current version" if retention else "kept"
    add(
        "S3",
        f"uploads stored, month {months} ({kept_for}; Standard)",
        kept_gb - ia_gb,
        "GB-month",
        p.s3.standard_storage_per_gb_month,
        category="keeping uploads",
    )
    if to_ia:
        add(
            "S3",
            f"uploads stored, month {months} (Standard-IA after {to_ia} days)",
            ia_gb,
            "GB-month",
            p.s3.standard_ia_storage_per_gb_month,
            category="keeping uploads",
        )
        moving = n if months * 30 > to_ia else 0.0
        add(
            "S3",
            "lifecycle transitions to Standard-IA",
            moving,
            "requests",
            p.s3.lifecycle_transition_per_request,
            category="keeping uploads",
        )

    add("EventBridge", "S3 'Object Created' events (opt-in data events)", n, "events", p.eventbridge.opt_in_data_event)
    # One outcome event per upload, and one more per decision people make (reviews and audits).
    add(
        "EventBridge",
        "outcome events (custom events on the stack's bus)",
        n + reviewed + audited,
        "events",
        p.eventbridge.custom_event,
    )

    # DynamoDB: one item per accepted image, and one per review people resolve; the by-label index (ALL) writes it
    # again. Items under 1 KB take one write unit each.
    writes_per_item = 2 * max(1, -(-int(a.result_item_bytes) // 1024))
    results_written = accepted + reviewed
    add(
        "DynamoDB",
        "results writes (table + by-label index)",
        results_written * writes_per_item,
        "WRU",
        p.dynamodb.per_write_request_unit,
    )
    # A review item is written pending (the table and its two sparse pending indexes), then decided (the item
    # leaves both indexes): six write units; audits are review items too.
    review_items = reviewed + audited
    add("DynamoDB", "reviews writes (pending, decided)", review_items * 6, "WRU", p.dynamodb.per_write_request_unit)
    if infra.idempotency_table:
        # Serialize claims every upload once (a small item; TTL deletes it for free).
        add("DynamoDB", "upload claims (idempotency)", n, "WRU", p.dynamodb.per_write_request_unit)
    # Results and decided reviews are kept: the horizon's last month stores all of them.
    results_gb = months * results_written * (a.result_item_bytes + 100) / GB  # +100 B per item overhead
    reviews_gb = months * review_items * (a.review_item_bytes + 100) / GB
    add(
        "DynamoDB",
        f"results stored, month {months} (table + by-label index)",
        2 * results_gb,
        "GB-month",
        p.dynamodb.storage_per_gb_month,
        category="keeping results",
    )
    add(
        "DynamoDB",
        f"reviews stored, month {months}",
        reviews_gb,
        "GB-month",
        p.dynamodb.storage_per_gb_month,
        category="keeping results",
    )
    add(
        "DynamoDB",
        f"point-in-time recovery, month {months} (results, reviews)",
        results_gb + reviews_gb,
        "GB-month",
        p.dynamodb.pitr_per_gb_month,
        category="keeping results",
    )

    # SQS: send, receive and delete for every review (audits included) and every failure.
    add(
        "SQS",
        "review + failed queues (send, receive, delete)",
        3 * (review_items + failed),
        "requests",
        p.sqs.standard_per_request,
    )

    # CloudWatch: metrics are EMF log lines, so no PutMetricData requests.
    metrics = custom_metric_count()
    add("CloudWatch", "custom metrics (EMF)", metrics, "metrics", p.cloudwatch.custom_metric_per_month)
    log_gb = n * a.log_bytes_per_image / GB
    add("CloudWatch", "logs ingestion", log_gb, "GB", p.cloudwatch.logs_ingestion_per_gb)
    add("CloudWatch", "logs storage (30-day retention)", log_gb, "GB-month", p.cloudwatch.logs_storage_per_gb_month)
    add("CloudWatch", "dashboard", infra.dashboards, "dashboards", p.cloudwatch.dashboard_per_month)
    add("CloudWatch", "alarms", infra.alarm_metrics, "alarm metrics", p.cloudwatch.standard_alarm_metric_per_month)

    # X-Ray: the template's sampling rule traces TraceSamplingRate of the executions, with no reservoir.
    traces = n * infra.trace_sampling_rate
    add(
        "X-Ray",
        f"traces recorded ({infra.trace_sampling_rate:.0%} sampled)",
        traces,
        "traces",
        p.xray.per_trace_recorded,
    )

    add("KMS", "alarm topic key", infra.kms_keys, "keys", p.kms.customer_managed_key_per_month)
    kms_requests = infra.dynamodb_tables * a.kms_requests_per_table_hour * p.hours_per_month
    add("KMS", "requests (DynamoDB table keys)", kms_requests, "requests", p.kms.per_request)

    if backend == "sagemaker":
        sm = p.sagemaker
        add(
            "SageMaker",
            f"endpoint: 1 x {sm.instance_type}, always on",
            p.hours_per_month,
            "hours",
            sm.instance_per_hour,
        )
        data_gb = (n - failed) * (a.payload_bytes + 300) / GB  # the PNG in, the probabilities out
        add("SageMaker", "data processed in + out", data_gb, "GB", sm.data_processed_per_gb)

    notes = [
        f"{p.region} on-demand list prices, read between {p.as_of.isoformat()} and "
        f"{max(section.checked for section in _sections(p)).isoformat()} (infra/prices.json): verify them before use.",
        "No free tier applied (it is per account and shared).",
        f"Month {months} of a steady {images_per_month:,} images a month: processing is that month's images; "
        "keeping is everything stored by then (uploads, results, reviews).",
        f"Step Functions transitions per image: accept {infra.transitions['accept']}, review "
        f"{infra.transitions['review']}, failed {infra.transitions['failed']} (from the state machine definition).",
        "Durations are warm-invocation assumptions; cold starts (billed INIT) add to small volumes.",
    ]
    if workflow == "express":
        notes.append(
            "EXPRESS runs each execution at least once (STANDARD: exactly once); the claims table turns a repeat "
            "into AlreadyProcessed, so an image still has one outcome."
        )
    if backend == "sagemaker":
        notes.append("One endpoint instance has no redundancy; production endpoints usually run two.")
    return Estimate(
        images_per_month=images_per_month,
        backend=backend,
        workflow=workflow,
        region=p.region,
        prices_as_of=p.as_of,
        months=months,
        upload_retention_days=retention,
        infrequent_access_days=to_ia,
        items=items,
        assumptions=a,
        notes=notes,
    )


def _sections(prices: PriceFile) -> list[_Prices]:
    return [value for value in (getattr(prices, name) for name in PriceFile.model_fields) if isinstance(value, _Prices)]


CONFIGURATIONS: tuple[tuple[Backend, Workflow], ...] = (
    ("onnx", "express"),
    ("onnx", "standard"),
    ("sagemaker", "express"),
)
TABLE_VOLUMES = (10_000, 1_000_000, 100_000_000)


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value < 1000 else f"${value:,.0f}"


def comparison_markdown(volumes: tuple[int, ...] = TABLE_VOLUMES, months: int = 12) -> str:
    """Per configuration and volume: processing per month (and per 1,000 images), then keeping the uploads and the
    results in the horizon's last month, as a Markdown table."""
    header = "| images / month | " + " | ".join(f"{b} + {w.upper()}" for b, w in CONFIGURATIONS) + " |"
    rule = "|---:|" + "---:|" * len(CONFIGURATIONS)
    rows = []
    for volume in volumes:
        processing, keeping = [], []
        for backend, workflow in CONFIGURATIONS:
            found = estimate(volume, backend, workflow, months=months)
            per_thousand = found.processing_per_thousand_images_usd or 0.0
            processing.append(f"{_usd(found.processing_usd)} (${per_thousand:.4f} / 1k)")
            keeping.append(f"+ {_usd(found.keeping_uploads_usd)} uploads, {_usd(found.keeping_results_usd)} results")
        rows.append(f"| {volume:,} processing | " + " | ".join(processing) + " |")
        rows.append(f"| {volume:,} keeping, month {months} | " + " | ".join(keeping) + " |")
    prices = load_prices()
    footer = (
        f"\n{prices.region} list prices (infra/prices.json, read from {prices.as_of.isoformat()} on), no free tier, "
        f"uploads kept (UploadRetentionDays=0); from `scones cost --markdown`."
    )
    return "\n".join([header, rule, *rows]) + "\n" + footer
