"""Serialize: S3 "Object Created" event → a small payload with the normalised image."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from service.domain import metric_names
from service.domain.errors import DuplicateDelivery, SconesError
from service.pipeline import steps
from service.pipeline.events import SerializeInput, claim_attempt, event_time, key_candidates, object_ref
from service.runtime.observability import logger, metrics, tag_probe, tracer
from service.runtime.settings import serialize_settings

serialize_settings()  # a misconfigured function fails at start-up, naming the variable


@logger.inject_lambda_context(clear_state=True)
# No response capture: Serialize's answer holds the image, and a trace needs none of the others either.
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=SerializeInput)
def handler(request: SerializeInput, context: LambdaContext) -> dict[str, Any]:
    event = request.event
    ref = object_ref(event)
    logger.set_correlation_id(ref.key)
    logger.append_keys(bucket=ref.bucket, key=ref.key)
    tracer.put_annotation("key", ref.key)
    tag_probe(ref.key)
    metrics.add_metric(name=metric_names.IMAGES_RECEIVED, unit=MetricUnit.Count, value=1)
    try:
        image = steps.serialize(
            ref,
            event_time(event),
            serialize_settings(),
            execution=request.execution,
            key_candidates=key_candidates(event),
            attempt=claim_attempt(event),
        )
    except DuplicateDelivery:
        logger.info("duplicate delivery: another execution has this upload")
        raise
    except SconesError as error:
        # One metric, whatever the code: the code is in this log line and in the failed message.
        metrics.add_metric(name=metric_names.IMAGES_REJECTED, unit=MetricUnit.Count, value=1)
        logger.warning("rejected", error=error.code, reason=str(error))
        raise
    metrics.add_metric(name=metric_names.IMAGE_BYTES, unit=MetricUnit.Bytes, value=image.size or 0)
    logger.info("serialized", format=image.format, width=image.width, height=image.height)
    return image.model_dump(mode="json")
