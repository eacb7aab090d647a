"""The handlers' structured logs, read back: one image's way through Serialize → Classify → Filter.

The handlers log through Powertools' Logger: one JSON object per line with `level`, `message`, `timestamp`,
`function_name`, `correlation_id` (the object key), `key`, `bucket` and the step's own fields. Locally those lines
are in the stack's log file, mixed with the server's own output and the EMF metric lines; on AWS they are in each
function's log group, `/aws/lambda/<function name>`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Step = Literal["Serialize", "Classify", "Filter"]
STEPS: tuple[Step, ...] = ("Serialize", "Classify", "Filter")
# The template's logical ids; CloudFormation names each function `<stack>-<LogicalId>-<suffix>`.
FUNCTION_LOGICAL_IDS: dict[str, Step] = {f"{step}Function": step for step in STEPS}
_FUNCTION_NAME = re.compile(r"(Serialize|Classify|Filter)Function")
# Fields every Powertools line carries; the rest are what the step itself logged.
_CONTEXT_FIELDS = {
    "level", "location", "message", "timestamp", "service", "cold_start", "function_name", "function_memory_size",
    "function_arn", "function_request_id", "correlation_id", "bucket", "key", "xray_trace_id", "sampling_rate",
}  # fmt: skip


class LogEntry(BaseModel):
    """One structured log line of a handler."""

    timestamp: datetime
    level: str
    message: str
    step: Step | None = None
    function_name: str | None = None
    request_id: str | None = None
    key: str | None = None
    bucket: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict, description="What the step logged: label, route, error...")

    def summary(self) -> str:
        """The step's own fields as `name=value`, numbers rounded for reading."""
        parts = []
        for name, value in self.fields.items():
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            parts.append(f"{name}={shown}")
        return " ".join(parts)


def step_of(function_name: str | None) -> Step | None:
    match = _FUNCTION_NAME.search(function_name or "")
    return match.group(1) if match else None  # type: ignore[return-value]


def parse_timestamp(text: str) -> datetime:
    """Powertools' default format, '2026-11-22 02:34:46,322+0000'; ISO 8601 is accepted too."""
    for layout in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(text, layout).astimezone(UTC)
        except ValueError:
            continue
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def entry_from_document(document: dict[str, Any], function_name: str | None = None) -> LogEntry | None:
    """A Powertools log document as an entry; None for anything else (EMF metrics, other JSON)."""
    if not isinstance(document.get("level"), str) or "message" not in document or "timestamp" not in document:
        return None
    try:
        moment = parse_timestamp(str(document["timestamp"]))
    except ValueError:
        return None
    name = document.get("function_name") or function_name
    key = document.get("key", document.get("correlation_id"))
    return LogEntry(
        timestamp=moment,
        level=document["level"],
        message=str(document["message"]),
        step=step_of(function_name) or step_of(name),
        function_name=name,
        request_id=document.get("function_request_id"),
        key=None if key is None else str(key),
        bucket=document.get("bucket"),
        fields={k: v for k, v in document.items() if k not in _CONTEXT_FIELDS},
    )


def parse_line(line: str, function_name: str | None = None) -> list[LogEntry]:
    """Every log document on one line.

    The local stack's handlers share one stdout, and a `print` writes its text and its newline separately, so two
    documents can end up on one line: each JSON object is decoded where it starts.
    """
    decoder = json.JSONDecoder()
    entries, position = [], line.find("{")
    while position != -1:
        try:
            document, end = decoder.raw_decode(line, position)
        except ValueError:
            position = line.find("{", position + 1)
            continue
        if isinstance(document, dict):
            entry = entry_from_document(document, function_name)
            if entry is not None:
                entries.append(entry)
        position = line.find("{", end)
    return entries


def matches(entry: LogEntry, key: str | None, since: datetime | None) -> bool:
    return (key is None or entry.key == key) and (since is None or entry.timestamp >= since)


def read_lines(lines: Iterable[str], key: str | None = None, since: datetime | None = None) -> list[LogEntry]:
    found = [entry for line in lines for entry in parse_line(line) if matches(entry, key, since)]
    return sorted(found, key=lambda entry: entry.timestamp)


def read_file(path: Path, key: str | None = None, since: datetime | None = None) -> list[LogEntry]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        return read_lines(lines, key, since)


def follow_file(
    path: Path,
    key: str | None = None,
    since: datetime | None = None,
    poll: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[LogEntry]:
    """What the file holds, then each new entry as it is written (until `stop()` says so)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        pending = ""
        while True:
            chunk = handle.readline()
            if chunk:
                pending += chunk
                if not pending.endswith("\n"):
                    continue  # a line still being written
                yield from (entry for entry in parse_line(pending) if matches(entry, key, since))
                pending = ""
            elif stop():
                return
            else:
                time.sleep(poll)


# --- AWS: the functions' log groups ------------------------------------------------------------------------------


def stack_functions(cloudformation: Any, stack_name: str) -> dict[Step, str]:
    """The three functions' names, from the stack's resources."""
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    return {
        FUNCTION_LOGICAL_IDS[r["LogicalResourceId"]]: r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::Lambda::Function" and r["LogicalResourceId"] in FUNCTION_LOGICAL_IDS
    }


def log_group(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def filter_pattern(key: str) -> str:
    """A CloudWatch Logs JSON filter pattern selecting one object's lines by their correlation id.

    A key with a double quote or backslash cannot be written inside the pattern's quoted value: match its prefix
    with a wildcard instead (the exact key is checked on the parsed lines in any case).
    """
    cut = min((key.find(c) for c in '"\\' if c in key), default=-1)
    value = f"{key[:cut]}*" if cut != -1 else key
    return f'{{ $.correlation_id = "{value}" }}'


def read_cloudwatch(
    logs: Any,
    functions: dict[Step, str],
    key: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[LogEntry]:
    """The functions' log lines (for one key, with a filter pattern so CloudWatch does the searching)."""
    found: list[LogEntry] = []
    for step, name in functions.items():
        request: dict[str, Any] = {"logGroupName": log_group(name)}
        if key is not None:
            request["filterPattern"] = filter_pattern(key)
        if since is not None:
            request["startTime"] = int(since.timestamp() * 1000)
        if until is not None:
            request["endTime"] = int(until.timestamp() * 1000)
        for page in logs.get_paginator("filter_log_events").paginate(**request):
            for event in page["events"]:
                # Lambda's own START/END/REPORT lines are not JSON and fall out here.
                for entry in parse_line(event["message"], function_name=name):
                    entry.step = step  # the log group says which function wrote it
                    if matches(entry, key, since):
                        found.append(entry)
    return sorted(found, key=lambda entry: entry.timestamp)


def follow_cloudwatch(
    logs: Any,
    functions: dict[Step, str],
    key: str | None,
    since: datetime,
    poll: float = 2.0,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[LogEntry]:
    """Polls the log groups, yielding each entry once."""
    seen: set[str] = set()
    while True:
        for entry in read_cloudwatch(logs, functions, key, since):
            identity = entry.model_dump_json()
            if identity not in seen:
                seen.add(identity)
                yield entry
        if stop():
            return
        time.sleep(poll)


# --- One image's story -------------------------------------------------------------------------------------------


class Timeline(BaseModel):
    """One object's entries in order, and where it ended as far as the logs tell."""

    key: str
    entries: list[LogEntry]

    @property
    def steps(self) -> list[Step]:
        """The steps that logged for this key, in pipeline order."""
        present = {entry.step for entry in self.entries}
        return [step for step in STEPS if step in present]

    @property
    def outcome(self) -> str:
        for entry in reversed(self.entries):
            if "route" in entry.fields:
                return str(entry.fields["route"])
            if "error" in entry.fields:
                return f"rejected ({entry.fields['error']})"
        return "in progress or unknown"
