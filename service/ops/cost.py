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

from service.domain import errors, metric_names
from service.domain.paths import INFRA_DIR, STATE_MACHINE_PATH, TEMPLATE_PATH

PRICES_PATH = INFRA_DIR / "prices.json"
GB = 2**30  # AWS bills stored and transferred data in GB of 2^30 bytes
SECONDS_PER_HOUR = 3600

Backend = Literal["onnx", "sagemaker"]
Workflow = Literal["standard", "express"]


class _Prices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: HttpUrl


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


class EventBridgePrices(_Prices):
    aws_service_event_on_default_bus: NonNegativeFloat


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


class XRayPrices(_Prices):
    per_trace_recorded: PositiveFloat
    sampling_reservoir_per_second: NonNegativeFloat
    sampling_rate: float = Field(ge=0, le=1)


class KMSPrices(_Prices):
    customer_managed_key_per_month: PositiveFloat


class SageMakerPrices(_Prices):
    instance_type: str
    instance_per_hour: PositiveFloat
    data_processed_per_gb: PositiveFloat


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


class LineItem(BaseModel):
    service: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly_usd: float


class Estimate(BaseModel):
    images_per_month: int
    backend: Backend
    workflow: Workflow
    region: str
    prices_as_of: date
    items: list[LineItem]
    assumptions: Assumptions
    notes: list[str]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_usd(self) -> float:
        return sum(item.monthly_usd for item in self.items)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def per_thousand_images_usd(self) -> float | None:
        return self.total_usd / self.images_per_month * 1000 if self.images_per_month else None

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


def load_prices(path: Path = PRICES_PATH) -> PriceFile:
    return PriceFile.model_validate_json(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------------------------
# Reading the infrastructure


def _successors(state: dict[str, Any]) -> list[str]:
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
        for following in _successors(states[name]):
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
    return {route: len(_shortest_path(definition, target)) for route, target in targets.items()}


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
    alarm_metrics = dashboards = kms_keys = 0
    for resource in template["Resources"].values():
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function":
            props = {**globals_function, **resource["Properties"]}
            if any(event.get("Type") == "Schedule" for event in props.get("Events", {}).values()):
                continue  # runs on a schedule (review metrics, 8,640 runs a month), not once per image
            functions.append(
                FunctionSpec(
                    name=props["Handler"].split(".")[-2],
                    memory_mb=props.get("MemorySize", 128),
                    architecture=props.get("Architectures", ["x86_64"])[0],
                )
            )
        elif kind == "AWS::CloudWatch::Alarm":
            alarm_metrics += _alarm_metrics(resource)
        elif kind == "AWS::CloudWatch::Dashboard":
            dashboards += 1
        elif kind == "AWS::KMS::Key":
            kms_keys += 1
    variables = [
        resource["Properties"].get("Environment", {}).get("Variables", {})
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    definition = json.loads(definition_path.read_text(encoding="utf-8"))
    return Infrastructure(
        functions=functions,
        transitions=state_transitions(definition),
        alarm_metrics=alarm_metrics,
        dashboards=dashboards,
        kms_keys=kms_keys,
        idempotency_table=any("IDEMPOTENCY_TABLE" in v for v in variables),
    )


def custom_metric_count(classes: int = 2) -> int:
    """Distinct metrics (name + dimensions) the handlers emit, each billed per month.

    Rejections are counted for every error code in service.domain.errors: an upper bound, as only Serialize's occur.
    """
    per_service = {
        metric_names.IMAGES_RECEIVED,
        metric_names.IMAGE_BYTES,
        metric_names.INFERENCE_LATENCY,
        metric_names.IMAGES_ACCEPTED,
        metric_names.IMAGES_SENT_TO_REVIEW,
        metric_names.CONFIDENCE,
    }
    error_codes = [
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.SconesError)
    ]
    cold_starts = 3  # one per function (dimension function_name)
    return len(per_service) + classes + (len(error_codes) - 1) + cold_starts


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


def estimate(
    images_per_month: int,
    backend: Backend = "onnx",
    workflow: Workflow = "standard",
    prices: PriceFile | None = None,
    assumptions: Assumptions | None = None,
    infrastructure: Infrastructure | None = None,
) -> Estimate:
    if images_per_month < 0:
        raise ValueError("images_per_month must be >= 0")
    p = prices or load_prices()
    a = assumptions or Assumptions()
    infra = infrastructure or read_infrastructure()
    n = float(images_per_month)
    items: list[LineItem] = []

    def add(service: str, item: str, quantity: float, unit: str, unit_price: float, cost: float | None = None) -> None:
        monthly = quantity * unit_price if cost is None else cost
        items.append(
            LineItem(
                service=service, item=item, quantity=quantity, unit=unit, unit_price=unit_price, monthly_usd=monthly
            )
        )

    accepted = n * (1 - a.review_share - a.failed_share)
    reviewed = n * a.review_share
    failed = n * a.failed_share
    # Every upload is serialized; only readable images reach Classify and Filter.
    invocations = {"serialize": n, "classify": n - failed, "filter": n - failed}

    # Lambda
    for function in infra.functions:
        rate = p.lambda_.arm64_per_gb_second if function.architecture == "arm64" else p.lambda_.x86_64_per_gb_second
        seconds = _gb_seconds(function.memory_mb, _duration_ms(function.name, a, backend))
        calls = invocations[function.name]
        add(
            "Lambda",
            f"{function.name}: compute ({function.memory_mb:.0f} MB, {function.architecture})",
            calls * seconds,
            "GB-s",
            rate,
        )
        add("Lambda", f"{function.name}: requests", calls, "requests", p.lambda_.per_request)

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

    # S3: the upload, Serialize's one GetObject, and one month's uploads kept.
    add("S3", "PUT (uploads)", n, "requests", p.s3.put_per_request)
    add("S3", "GET (Serialize)", n, "requests", p.s3.get_per_request)
    add("S3", "storage (one month of uploads)", n * a.image_bytes / GB, "GB-month", p.s3.standard_storage_per_gb_month)

    add(
        "EventBridge",
        "S3 'Object Created' events (AWS service events)",
        n,
        "events",
        p.eventbridge.aws_service_event_on_default_bus,
    )

    # DynamoDB: one item per accepted image, and one per review people resolve; the by-label index (ALL) writes it
    # again. Items under 1 KB take one write unit each.
    writes_per_item = 2 * max(1, -(-int(a.result_item_bytes) // 1024))
    items_written = accepted + reviewed
    add(
        "DynamoDB",
        "writes (table + by-label index)",
        items_written * writes_per_item,
        "WRU",
        p.dynamodb.per_write_request_unit,
    )
    if infra.idempotency_table:
        # Serialize claims every upload once (a small item; TTL deletes it for free).
        add("DynamoDB", "upload claims (idempotency)", n, "WRU", p.dynamodb.per_write_request_unit)
    stored_gb = items_written * 2 * (a.result_item_bytes + 100) / GB  # +100 B per item overhead, twice (index)
    add("DynamoDB", "storage (one month of results)", stored_gb, "GB-month", p.dynamodb.storage_per_gb_month)
    add("DynamoDB", "point-in-time recovery", stored_gb, "GB-month", p.dynamodb.pitr_per_gb_month)

    # SQS: send, receive and delete for every review and every failure.
    add(
        "SQS",
        "review + failed queues (send, receive, delete)",
        3 * (reviewed + failed),
        "requests",
        p.sqs.standard_per_request,
    )

    # CloudWatch
    metrics = custom_metric_count()
    add("CloudWatch", "custom metrics (EMF)", metrics, "metrics", p.cloudwatch.custom_metric_per_month)
    log_gb = n * a.log_bytes_per_image / GB
    add("CloudWatch", "logs ingestion", log_gb, "GB", p.cloudwatch.logs_ingestion_per_gb)
    add("CloudWatch", "logs storage (one month)", log_gb, "GB-month", p.cloudwatch.logs_storage_per_gb_month)
    add("CloudWatch", "dashboard", infra.dashboards, "dashboards", p.cloudwatch.dashboard_per_month)
    add("CloudWatch", "alarms", infra.alarm_metrics, "alarm metrics", p.cloudwatch.standard_alarm_metric_per_month)

    # X-Ray: the default sampling rule traces the first request each second and 5% of the rest (traffic spread evenly).
    seconds = p.hours_per_month * SECONDS_PER_HOUR
    reservoir = p.xray.sampling_reservoir_per_second * seconds
    traces = min(n, reservoir) + p.xray.sampling_rate * max(0.0, n - reservoir)
    add("X-Ray", "traces recorded", traces, "traces", p.xray.per_trace_recorded)

    add("KMS", "alarm topic key", infra.kms_keys, "keys", p.kms.customer_managed_key_per_month)

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
        f"{p.region} on-demand list prices as of {p.as_of.isoformat()} (infra/prices.json): verify them before use.",
        "No free tier applied (it is per account and shared).",
        f"Step Functions transitions per image: accept {infra.transitions['accept']}, review "
        f"{infra.transitions['review']}, failed {infra.transitions['failed']} (from the state machine definition).",
        "Durations are warm-invocation assumptions; cold starts (billed INIT) add to small volumes.",
    ]
    if workflow == "express":
        notes.append(
            "EXPRESS runs each execution at least once (STANDARD: exactly once): rare duplicates are possible."
        )
    if backend == "sagemaker":
        notes.append("One endpoint instance has no redundancy; production endpoints usually run two.")
    return Estimate(
        images_per_month=images_per_month,
        backend=backend,
        workflow=workflow,
        region=p.region,
        prices_as_of=p.as_of,
        items=items,
        assumptions=a,
        notes=notes,
    )


CONFIGURATIONS: tuple[tuple[Backend, Workflow], ...] = (
    ("onnx", "standard"),
    ("onnx", "express"),
    ("sagemaker", "standard"),
)
TABLE_VOLUMES = (10_000, 1_000_000, 100_000_000)


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value < 1000 else f"${value:,.0f}"


def comparison_markdown(volumes: tuple[int, ...] = TABLE_VOLUMES) -> str:
    """Monthly totals for each configuration at each volume, and the cost per 1,000 images, as a Markdown table."""
    header = "| images / month | " + " | ".join(f"{b} + {w.upper()}" for b, w in CONFIGURATIONS) + " |"
    rule = "|---:|" + "---:|" * len(CONFIGURATIONS)
    rows = []
    for volume in volumes:
        cells = []
        for backend, workflow in CONFIGURATIONS:
            found = estimate(volume, backend, workflow)
            per_thousand = found.per_thousand_images_usd or 0.0
            cells.append(f"{_usd(found.total_usd)} ({_usd(per_thousand)} / 1k)")
        rows.append(f"| {volume:,} | " + " | ".join(cells) + " |")
    prices = load_prices()
    footer = (
        f"\n{prices.region}, list prices as of {prices.as_of.isoformat()}, no free tier; from `scones cost --markdown`."
    )
    return "\n".join([header, rule, *rows]) + "\n" + footer
