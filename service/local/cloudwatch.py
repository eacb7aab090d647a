"""CloudWatch's dimension matching, which moto makes lenient.

CloudWatch matches a query's dimensions exactly: `GetMetricStatistics` with Dimensions=[service=scones] reads the
series that carries exactly that dimension, not the series that carry it among others ({probe, service}: the doctor's
probe), and a query without dimensions reads only the series without any. moto returns every series whose
dimensions include the query's (all of them for a query without any), so the probe's images were counted as
uploads. The local stack answers as CloudWatch does, and rounds a query's start time down as CloudWatch does (to
the minute for the last 15 days), which the rollups of older datapoints (service/local/retention.py) rely on.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from moto.core.utils import utcnow

from service.local.retention import metrics_raw_seconds


def _dimension_set(dimensions: Any) -> frozenset[tuple[str, Any]]:
    return frozenset(
        (d["Name"], d.get("Value")) if isinstance(d, dict) else (d.name, d.value) for d in dimensions or ()
    )


class _ExactSeries:
    """The backend as `get_metric_statistics` sees it: only the datapoints of the series the query names."""

    def __init__(self, backend: Any, dimensions: frozenset[tuple[str, Any]]) -> None:
        self._backend = backend
        self._dimensions = dimensions

    def get_all_metrics(self) -> list[Any]:
        return [m for m in self._backend.get_all_metrics() if _dimension_set(m.dimensions) == self._dimensions]


def rounded_start(start: datetime, now: datetime) -> datetime:
    """CloudWatch rounds a query's start down to the minute (start less than 15 days ago), to 5 minutes (up to 63
    days) or to the hour: the datapoints rolled up into a period (service/local/retention.py) carry its start. A
    start within the time datapoints are kept as sent is left as it is: no rollup is that recent, and `scones
    status` asks for the last minute at 1-second periods every time it is called."""
    age = (now.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds()
    if age < metrics_raw_seconds():
        return start
    width = 60 if age < 15 * 86400 else 300 if age < 63 * 86400 else 3600
    epoch = calendar.timegm(start.utctimetuple())
    return start - timedelta(seconds=epoch % width, microseconds=start.microsecond)


def exact_dimensions(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps moto's `CloudWatchBackend.get_metric_statistics`: the series of exactly the query's dimensions."""

    def get_metric_statistics(
        self: Any,
        namespace: str,
        metric_name: str,
        start_time: Any,
        end_time: Any,
        period: int,
        stats: list[str],
        dimensions: list[dict[str, str]],
        unit: str | None = None,
    ) -> Any:
        series = _ExactSeries(self, _dimension_set(dimensions))
        start_time = rounded_start(start_time, utcnow())
        # moto's own (subset) filter has nothing left to do: every datapoint it sees belongs to the series.
        return original(series, namespace, metric_name, start_time, end_time, period, stats, [], unit)

    return get_metric_statistics
