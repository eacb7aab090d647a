"""Filter: prediction → route (accept or review) and the record to write there."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from service import steps
from service.models import FilterInput
from service.observability import logger, metrics, tracer
from service.settings import get_settings


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=FilterInput)
def handler(event: FilterInput, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(event.image.key)
    decision = steps.decide(event.image, event.prediction, steps.threshold(get_settings()))
    tracer.put_annotation("route", decision.route)
    metrics.add_metric(
        name="ImagesAccepted" if decision.route == "accept" else "ImagesSentToReview",
        unit=MetricUnit.Count,
        value=1,
    )
    metrics.add_metric(name="Confidence", unit=MetricUnit.Percent, value=event.prediction.confidence * 100)
    logger.info("decided", route=decision.route, threshold=decision.record.threshold)
    return decision.model_dump(mode="json")
