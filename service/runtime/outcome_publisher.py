"""Publishing an outcome that is already written: retried, and where it still fails, counted, never raised.

The outcome (a person's decision, say) is committed before its event is published, so a failure here must not
undo or hide it: the event is retried with a short backoff, then the miss is counted on the metric the template's
alarm watches (the same one the state machine's CountUnpublished writes) and logged with the outcome_id.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from service.dal.event_bus import EventBus, PublishError
from service.domain.outcome_events import NOT_PUBLISHED_METRIC, OutcomeEntry

log = logging.getLogger(__name__)

#: The pipeline's metrics: namespace (template output MetricsNamespace) and the product-wide dimension.
METRICS_SERVICE = "scones"


class OutcomePublisher:
    def __init__(
        self, bus: EventBus, cloudwatch: Any, namespace: str = "Scones", attempts: int = 3, backoff_s: float = 0.2
    ) -> None:
        self._bus = bus
        self._cloudwatch = cloudwatch
        self._namespace = namespace
        self._attempts = attempts
        self._backoff_s = backoff_s

    def publish(self, entry: OutcomeEntry) -> bool:
        """True once EventBridge took the event; False when every attempt failed (then counted and logged)."""
        for attempt in range(self._attempts):
            try:
                self._bus.put(entry)
                return True
            except PublishError as error:
                log.warning("outcome event not published (attempt %d): %s", attempt + 1, error)
                if attempt + 1 < self._attempts:
                    time.sleep(self._backoff_s * 2**attempt)
        log.error(
            "outcome event lost after %d attempts: %s %s (the outcome itself is kept)",
            self._attempts,
            entry.detail_type,
            entry.detail.outcome_id,
        )
        self._count_miss()
        return False

    def _count_miss(self) -> None:
        try:
            self._cloudwatch.put_metric_data(
                Namespace=self._namespace,
                MetricData=[
                    {
                        "MetricName": NOT_PUBLISHED_METRIC,
                        "Unit": "Count",
                        "Value": 1,
                        "Dimensions": [{"Name": "service", "Value": METRICS_SERVICE}],
                    }
                ],
            )
        except (ClientError, BotoCoreError):
            log.exception("could not count the lost outcome event either")
