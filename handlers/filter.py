"""Filter: prediction → route (accept or review) and the record to write there."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from service.domain import metric_names
from service.domain.models import FilterInput
from service.pipeline import steps
from service.runtime.observability import logger, metrics, tag_probe, tracer
from service.runtime.settings import filter_settings

filter_settings()  # a misconfigured function fails at start-up, naming the variable


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=FilterInput)
def handler(event: FilterInput, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(event.image.key)
    logger.append_keys(bucket=event.image.bucket, key=event.image.key)
    tag_probe(event.image.key)
    settings = filter_settings()
    decision = steps.decide(
        event.image, event.prediction, settings.threshold(), settings.recognition(), audit_rate=settings.audit_rate
    )
    tracer.put_annotation("key", event.image.key)
    tracer.put_annotation("route", decision.route)
    routed = metric_names.IMAGES_ACCEPTED if decision.route == "accept" else metric_names.IMAGES_SENT_TO_REVIEW
    metrics.add_metric(name=routed, unit=MetricUnit.Count, value=1)
    # The model's probability, 0-1, as in every record and event (no unit: it is not a percentage).
    metrics.add_metric(name=metric_names.CONFIDENCE, unit=MetricUnit.NoUnit, value=event.prediction.confidence)
    logger.info("decided", route=decision.route, audit=decision.audit, threshold=decision.record.threshold)
    return decision.model_dump(mode="json")
