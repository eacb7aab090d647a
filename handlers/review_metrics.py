"""Review metrics (scheduled every 5 minutes): the pending-review count and the oldest pending item's age."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from service.domain import metric_names
from service.review.backlog import review_backlog
from service.runtime.observability import logger, metrics, tracer
from service.runtime.settings import review_metrics_settings

review_metrics_settings()  # a misconfigured function fails at start-up, naming the variable


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    backlog = review_backlog(review_metrics_settings().reviews_table)
    metrics.add_metric(name=metric_names.PENDING_REVIEWS, unit=MetricUnit.Count, value=backlog.pending)
    metrics.add_metric(
        name=metric_names.OLDEST_PENDING_REVIEW_AGE, unit=MetricUnit.Seconds, value=backlog.oldest_age_seconds
    )
    logger.info("review backlog", pending=backlog.pending, oldest_age_seconds=backlog.oldest_age_seconds)
    return backlog.model_dump()
