"""What the local stack keeps per image, bounded as AWS bounds it, so that its memory stays flat under load.

- EXPRESS executions: AWS keeps no history of them once they end. moto keeps every execution with its whole
  interpreter environment (~400 KiB each: every state's input and output as JSON, the image's pixels in each).
  Here an ended EXPRESS execution keeps only its description and its history, compressed, with each input and
  output cut at HISTORY_DATA_LIMIT characters, and only the last SCONES_LOCAL_EXECUTIONS_KEPT (default 500) of them
  are listed: enough to debug the latest runs with ListExecutions, DescribeExecution and GetExecutionHistory, never
  a growing pile.
- moto's Step Functions interpreter records every thread it ever started in a list (`TMP_THREADS`) that nothing
  reads: the ended ones are dropped.
- S3 object bodies: moto holds each object (every version) in memory up to 5 MiB. S3 is storage: the bodies live
  in files on disk, opened only while read or written (no descriptor held per object).
- CloudWatch datapoints: moto keeps every one forever (and scans them all for each query); here they are rolled up
  with age into statistic sets per minute, 5 minutes and hour, and dropped after 455 days, as CloudWatch does.
"""

from __future__ import annotations

import atexit
import calendar
import collections
import contextlib
import math
import os
import pickle
import shutil
import tempfile
import threading
import time
import weakref
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_EXECUTIONS_KEPT = 500
#: The characters of a state's input or output that a kept history holds (the image's pixels are ~12,000).
HISTORY_DATA_LIMIT = 2048

_lock = threading.Lock()
_ended: collections.deque[tuple[Any, Any]] = collections.deque()
_HISTORY = "_scones_history"


def executions_kept() -> int:
    return int(os.environ.get("SCONES_LOCAL_EXECUTIONS_KEPT", DEFAULT_EXECUTIONS_KEPT))


def is_express(execution: Any) -> bool:
    """moto's execution takes its type from the state machine's `sm_type`, which moto's models set to STANDARD
    whatever the machine's `type` (CreateStateMachine's and CloudFormation's): the machine's own type decides."""
    from moto.stepfunctions.parser.api import StateMachineType

    kind = getattr(execution.state_machine, "type", None) or execution.sm_type
    return bool(kind == StateMachineType.EXPRESS)


def _without_large_data(event: dict[str, Any]) -> dict[str, Any]:
    """A history event whose input or output over HISTORY_DATA_LIMIT characters is cut there and marked truncated,
    as Step Functions marks data it cuts: the image's pixels, which travel in the state's data, are not kept."""
    slim = dict(event)
    for name, details in event.items():
        if not isinstance(details, dict):
            continue
        for field in ("input", "output"):
            data = details.get(field)
            if isinstance(data, str) and len(data) > HISTORY_DATA_LIMIT:
                details = {**details, field: data[:HISTORY_DATA_LIMIT], f"{field}Details": {"truncated": True}}
        slim[name] = details
    return slim


def _retire(execution: Any) -> None:
    """An ended EXPRESS execution: its history compressed, its interpreter let go, the oldest beyond the bound
    forgotten."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends
    from moto.stepfunctions.parser.utils import TMP_THREADS

    with _lock:
        TMP_THREADS[:] = [thread for thread in TMP_THREADS if thread.is_alive()]
    if not is_express(execution):
        return
    worker = execution.exec_worker
    if worker is not None and worker.env is not None:
        history = [_without_large_data(event) for event in worker.env.event_manager.get_event_history()]
        setattr(execution, _HISTORY, zlib.compress(pickle.dumps(history)))
        worker.env = None
    backend = stepfunctions_parser_backends[execution.account_id][execution.region_name]
    owner = backend.describe_state_machine(execution.state_machine_arn)
    with _lock:
        _ended.append((owner.executions, execution))
        while len(_ended) > executions_kept():
            executions, oldest = _ended.popleft()
            with contextlib.suppress(ValueError):  # already gone
                executions.remove(oldest)


def terminated(original: Callable[[Any], None]) -> Callable[[Any], None]:
    """Wraps `BaseExecutionWorkerCommunication.terminated` (the end of every execution)."""

    def on_end(self: Any) -> None:
        original(self)
        _retire(self.execution)

    return on_end


def history_output(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wraps `Execution.to_history_output`: a retired execution's history from its compressed copy."""

    def to_history_output(self: Any) -> Any:
        kept = getattr(self, _HISTORY, None)
        if kept is None:
            return original(self)
        from moto.stepfunctions.parser.api import GetExecutionHistoryOutput

        return GetExecutionHistoryOutput(events=pickle.loads(zlib.decompress(kept)))

    return to_history_output


# ------------------------------------------------------------------------------------------------ S3 bodies

_objects_dir: str | None = None


def _directory() -> str:
    global _objects_dir
    with _lock:
        if _objects_dir is None:
            _objects_dir = tempfile.mkdtemp(prefix="scones-objects-")
            atexit.register(shutil.rmtree, _objects_dir, ignore_errors=True)
        return _objects_dir


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


class DiskBuffer:
    """The file-like object moto's FakeKey keeps its body in (seek, tell, read, write, truncate, close), over a
    file that is open only during each call. The file goes when the key is disposed of or collected."""

    def __init__(self, *_: Any, **__: Any) -> None:
        descriptor, name = tempfile.mkstemp(dir=_directory())
        os.close(descriptor)
        self._path = Path(name)
        self._position = 0
        self._finalizer = weakref.finalize(self, _unlink, self._path)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._position = offset
        elif whence == os.SEEK_CUR:
            self._position += offset
        else:
            self._position = self._path.stat().st_size + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        with self._path.open("rb") as file:
            file.seek(self._position)
            data = file.read() if size is None or size < 0 else file.read(size)
        self._position += len(data)
        return data

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        with self._path.open("r+b") as file:
            file.seek(self._position)
            file.write(data)
        self._position += len(data)
        return len(data)

    def truncate(self, size: int | None = None) -> int:
        size = self._position if size is None else size
        os.truncate(self._path, size)
        return size

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._finalizer()


class _TempfileModule:
    """Stands in for the `tempfile` module inside `moto.s3.models`: object bodies in `DiskBuffer`s."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    SpooledTemporaryFile = DiskBuffer


def tempfile_module(original: Any) -> _TempfileModule:
    """Replaces `moto.s3.models.tempfile` (the module)."""
    return _TempfileModule(original)


# ------------------------------------------------------------------------------------------ metric datapoints
#
# moto keeps every datapoint PutMetricData ever sent, and every query scans them all. CloudWatch keeps
# high-resolution data for 3 hours, 1-minute data for 15 days, 5-minute data for 63 days and 1-hour data for 455
# days, each period rolled up into the next. Here each datapoint is kept as sent for SCONES_LOCAL_METRICS_RAW_SECONDS
# (default 300: `scones status` reads the last minute at 1-second periods), then rolled up with the others of its
# series into one statistic set (sum, minimum, maximum, sample count) per minute, per 5 minutes after 15 days, per
# hour after 63 days, and dropped after 455 days. The statistics moto answers (Sum, Average, Minimum, Maximum,
# SampleCount) are the same from a rollup as from the datapoints it replaced, for periods of its width or more.

DEFAULT_METRICS_RAW_SECONDS = 300
#: (age up to which, width of a rollup in seconds)
METRIC_TIERS = ((15 * 86400, 60), (63 * 86400, 300), (455 * 86400, 3600))
#: How often the datapoints are looked over (on a PutMetricData call).
ROLLUP_INTERVAL = 10.0
_WIDTH = "_scones_rollup_width"

_metrics_lock = threading.Lock()
_last_rollup: dict[int, float] = {}


def metrics_raw_seconds() -> int:
    return int(os.environ.get("SCONES_LOCAL_METRICS_RAW_SECONDS", DEFAULT_METRICS_RAW_SECONDS))


def _rollup_width(age: float, raw: int) -> int | None:
    """0 keeps a datapoint as it is, None drops it, else the width of the rollup it belongs in."""
    if age < raw:
        return 0
    for up_to, width in METRIC_TIERS:
        if age < up_to:
            return width
    return None


def roll_up_metrics(backend: Any, now: datetime) -> None:
    """One pass over a CloudWatch backend's datapoints (call with `_metrics_lock` held); `now` naive UTC, as moto
    keeps timestamps."""
    from moto.cloudwatch.models import MetricAggregatedDatum

    raw = metrics_raw_seconds()
    epoch_now = calendar.timegm(now.utctimetuple())
    kept: list[Any] = []
    rollups: dict[tuple[Any, ...], Any] = {}
    for datum in backend.metric_data:
        moment = calendar.timegm(datum.timestamp.utctimetuple())
        width = _rollup_width(epoch_now - moment, raw)
        if width is None:
            continue
        if width == 0:
            kept.append(datum)
            continue
        start = datum.timestamp - timedelta(seconds=moment % width, microseconds=datum.timestamp.microsecond)
        dimensions = tuple((d.name, d.value) for d in datum.dimensions)
        key = (datum.namespace, datum.name, dimensions, datum.unit, start, width)
        rollup = rollups.get(key)
        if rollup is None:
            if getattr(datum, _WIDTH, None) == width:
                rollups[key] = datum  # rolled up already: later datapoints of its period join it
                kept.append(datum)
                continue
            rollup = MetricAggregatedDatum(
                datum.namespace, datum.name, math.inf, -math.inf, 0.0, 0.0,
                [{"Name": name, "Value": value} for name, value in dimensions], start, datum.unit,
            )  # fmt: skip
            setattr(rollup, _WIDTH, width)
            rollups[key] = rollup
            kept.append(rollup)
        if isinstance(datum, MetricAggregatedDatum):
            low, high, count, total = datum.min, datum.max, datum.sample_count, datum.sum
        else:
            low = high = total = datum.value
            count = 1.0
        rollup.min = min(rollup.min, low)
        rollup.max = max(rollup.max, high)
        rollup.sample_count += count
        rollup.sum += total
    backend.metric_data = kept


def bounded_metrics(original: Callable[..., None]) -> Callable[..., None]:
    """Wraps `CloudWatchBackend.put_metric_data`: every ROLLUP_INTERVAL seconds, the datapoints are rolled up."""

    def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        # One writer at a time: a rollup replaces the list that put_metric_data appends to.
        with _metrics_lock:
            original(self, namespace, metric_data)
            now = time.monotonic()
            if now - _last_rollup.get(id(self), 0.0) >= ROLLUP_INTERVAL:
                _last_rollup[id(self)] = now
                roll_up_metrics(self, datetime.now(UTC).replace(tzinfo=None))

    return put_metric_data
