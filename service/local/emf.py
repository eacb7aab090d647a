"""Turns the Embedded Metric Format lines the handlers print into PutMetricData on the local stack.

On AWS, CloudWatch Logs extracts EMF from the functions' logs; locally the handlers share this process's stdout,
so a line-splitting wrapper around it forwards each EMF document to the local CloudWatch.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

import boto3

log = logging.getLogger(__name__)


def metric_data(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, MetricData) pairs for one EMF document, one datum per recorded value."""
    directive = document["_aws"]
    timestamp = datetime.fromtimestamp(directive["Timestamp"] / 1000, UTC)
    batches = []
    for entry in directive["CloudWatchMetrics"]:
        for dimension_set in entry.get("Dimensions", [[]]) or [[]]:
            dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set]
            data = []
            for metric in entry["Metrics"]:
                values = document.get(metric["Name"])
                for value in values if isinstance(values, list) else [values]:
                    if value is None:
                        continue
                    data.append(
                        {
                            "MetricName": metric["Name"],
                            "Dimensions": dimensions,
                            "Timestamp": timestamp,
                            "Value": float(value),
                            "Unit": metric.get("Unit", "None"),
                        }
                    )
            if data:
                batches.append((entry["Namespace"], data))
    return batches


class EmfForwarder:
    """A stdout stand-in: writes everything through, and queues complete EMF lines for CloudWatch."""

    def __init__(self, target: TextIO, endpoint_url: str, region: str) -> None:
        self._target = target
        self._lines = threading.local()  # handlers print from many threads: split lines per thread
        self._queue: queue.Queue[str] = queue.Queue()
        self._cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint_url, region_name=region)
        threading.Thread(target=self._forward, name="emf-forwarder", daemon=True).start()

    def write(self, text: str) -> int:
        written = self._target.write(text)
        pending = getattr(self._lines, "pending", "") + text
        *complete, self._lines.pending = pending.split("\n")
        for line in complete:
            if line.startswith('{"_aws"'):
                self._queue.put(line)
        return written

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def _forward(self) -> None:
        while True:
            lines = [self._queue.get()]
            # Send what has piled up in one call: one request per document would load the server as much as
            # the pipeline itself does.
            while len(lines) < 200:
                try:
                    lines.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                by_namespace: dict[str, list[dict[str, Any]]] = {}
                for line in lines:
                    for namespace, data in metric_data(json.loads(line)):
                        by_namespace.setdefault(namespace, []).extend(data)
                for namespace, data in by_namespace.items():
                    for start in range(0, len(data), 1000):
                        self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])
            except Exception:
                log.exception("could not forward %d EMF documents", len(lines))
            finally:
                for _ in lines:
                    self._queue.task_done()
