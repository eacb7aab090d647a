"""Powertools Logger, Tracer and Metrics, set up once and imported by every handler."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from service.pipeline.settings import observability_settings

logger = Logger(service="scones")
tracer = Tracer(service="scones")
metrics = Metrics(namespace=observability_settings().metrics_namespace, service="scones")


def count_with_dimension(name: str, dimension: str, value: str) -> None:
    """A count with one extra, bounded dimension, flushed on its own so it does not tag the other metrics."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=1, namespace=observability_settings().metrics_namespace
    ) as metric:
        metric.add_dimension(name="service", value="scones")
        metric.add_dimension(name=dimension, value=value)
