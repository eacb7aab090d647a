"""Powertools Logger, Tracer and Metrics, set up once and imported by every handler.

Logs and traces carry each function's own service name (POWERTOOLS_SERVICE_NAME, set per function by the
template). Metrics carry one product-wide `service` dimension instead, so that the dashboard and the alarms add up
the pipeline's counts whichever function emitted them.
"""

import wrapt
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from service.domain.probe import PROBE_DIMENSION, PROBE_DIMENSION_VALUE, is_probe
from service.runtime.settings import observability_settings

METRICS_SERVICE = "scones"

logger = Logger()
# Only the AWS SDK is patched: it makes every call the functions send out, and patching all that the X-Ray SDK
# knows (sqlite3, httplib...) costs import time on every cold start for nothing. It is patched when botocore is
# first imported (before any client exists, so every call is traced), not here: the patch imports botocore
# (~0.3 s), which Filter and the in-process Classify never use. Every client comes from a botocore session, and
# when `botocore.session` has loaded, `botocore.client` is complete (its own hook would run before the package
# names it, which the patch needs).
tracer = Tracer(auto_patch=False)


@wrapt.when_imported("botocore.session")
def _trace_the_aws_sdk(_: object) -> None:
    tracer.patch(modules=("botocore",))


metrics = Metrics(namespace=observability_settings().metrics_namespace, service=METRICS_SERVICE)


def tag_probe(key: str) -> None:
    """A probe's metrics (`scones doctor`) go to series of their own, which the alarms and dashboard never read."""
    if is_probe(key):
        metrics.add_dimension(name=PROBE_DIMENSION, value=PROBE_DIMENSION_VALUE)


def count_with_dimension(name: str, dimension: str, value: str, key: str = "") -> None:
    """A count with one extra, bounded dimension, flushed on its own so it does not tag the other metrics."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=1, namespace=observability_settings().metrics_namespace
    ) as metric:
        metric.add_dimension(name="service", value=METRICS_SERVICE)
        metric.add_dimension(name=dimension, value=value)
        if is_probe(key):
            metric.add_dimension(name=PROBE_DIMENSION, value=PROBE_DIMENSION_VALUE)
