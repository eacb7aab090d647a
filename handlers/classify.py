"""Classify: normalised image → label, confidence and probabilities."""

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from service.domain import metric_names
from service.domain.models import ClassifyInput
from service.pipeline import steps
from service.pipeline.backends import get_classifier
from service.runtime.observability import count_with_dimension, logger, metrics, tag_probe, tracer
from service.runtime.settings import classify_settings

classify_settings()  # a misconfigured function fails at start-up, naming the variable


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=ClassifyInput)
def handler(event: ClassifyInput, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(event.image.key)
    logger.append_keys(bucket=event.image.bucket, key=event.image.key)
    tracer.put_annotation("key", event.image.key)
    tag_probe(event.image.key)
    classifier = get_classifier()  # loaded once per container, outside the measured inference
    started = time.perf_counter()
    prediction = steps.classify(event.image, classifier)
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.add_metric(name=metric_names.INFERENCE_LATENCY, unit=MetricUnit.Milliseconds, value=elapsed_ms)
    count_with_dimension(
        metric_names.IMAGES_CLASSIFIED, metric_names.LABEL_DIMENSION, prediction.label, key=event.image.key
    )
    tracer.put_annotation("label", prediction.label)
    logger.info("classified", label=prediction.label, confidence=prediction.confidence, latency_ms=elapsed_ms)
    return prediction.model_dump(mode="json")
