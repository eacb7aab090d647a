"""CloudWatch's dimension matching, which moto makes lenient.

CloudWatch matches a query's dimensions exactly: `GetMetricStatistics` with Dimensions=[service=scones] reads the
series that carries exactly that dimension, not the series that carry it among others ({probe, service}: the doctor's
probe), and a query without dimensions reads only the series without any. moto returns every series whose
dimensions include the query's (all of them for a query without any), so the probe's images were counted as
uploads. The local stack answers as CloudWatch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
        # moto's own (subset) filter has nothing left to do: every datapoint it sees belongs to the series.
        return original(series, namespace, metric_name, start_time, end_time, period, stats, [], unit)

    return get_metric_statistics
