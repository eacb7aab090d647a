"""`scones report`: the numbers behind each chart, the files it writes, and the data it reads (moto)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.domain.models import ResultRecord, Route
from service.ops import report
from service.ops.capture import parse_capture_line, read_capture, split_s3_uri
from testkit.reviews import create_results_table

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CLASSES = ("bicycle", "motorcycle")


def record(
    minute: float, confidence: float, route: Route, label: str = "bicycle", threshold: float = 0.8, key: str = ""
) -> ResultRecord:
    moment = START + timedelta(minutes=minute)
    return ResultRecord(
        bucket="intake",
        key=key or f"k-{minute}-{confidence}.png",
        label=label,
        confidence=confidence,
        probabilities={label: confidence},
        model_version="v1",
        route=route,
        threshold=threshold,
        uploaded_at=moment,
        completed_at=moment,
    )


def synthetic(count: int) -> list[ResultRecord]:
    records = []
    for i in range(count):
        confidence = 0.5 + (i * 37 % 50) / 100
        route: Route = "accept" if confidence >= 0.8 else "review"
        records.append(record(i * 180 / count, confidence, route, CLASSES[i % 3 == 0]))
    return records


# --- The numbers ---------------------------------------------------------------------------------------------


def test_review_rate_per_bucket_counts_each_route_and_keeps_empty_buckets() -> None:
    records = [
        record(0, 0.9, "accept"), record(1, 0.6, "review"), record(4, 0.7, "review"),
        record(21, 0.95, "accept"), record(25, 0.99, "accept"),
    ]  # fmt: skip
    buckets = report.review_rate(records, timedelta(minutes=10))
    assert [b.start for b in buckets] == [START, START + timedelta(minutes=10), START + timedelta(minutes=20)]
    assert [(b.accepted, b.review) for b in buckets] == [(1, 2), (0, 0), (2, 0)]
    assert [b.rate for b in buckets] == [pytest.approx(2 / 3), None, 0.0]
    assert report.review_rate([]) == []


def test_bucket_width_gives_a_readable_number_of_buckets() -> None:
    assert report.bucket_width(START, START + timedelta(seconds=20)) == timedelta(seconds=1)
    assert report.bucket_width(START, START + timedelta(hours=3)) == timedelta(minutes=10)
    assert report.bucket_width(START, START + timedelta(days=3)) == timedelta(hours=6)
    for span in (timedelta(0), timedelta(minutes=7), timedelta(days=40)):
        width = report.bucket_width(START, START + span)
        assert span / width < 24 or width == report.NICE_WIDTHS[-1]


def test_label_split_counts_routes_per_label() -> None:
    records = [record(0, 0.9, "accept", "bicycle"), record(1, 0.6, "review", "motorcycle")]
    records += [record(2, 0.95, "accept", "motorcycle"), record(3, 0.7, "review", "motorcycle")]
    assert report.label_split(records) == {
        "bicycle": {"accept": 1, "review": 0},
        "motorcycle": {"accept": 1, "review": 2},
    }


def test_confidence_histogram_bins_by_route_with_one_in_the_last_bin() -> None:
    records = [record(0, 1.0, "accept"), record(1, 0.0, "review"), record(2, 0.52, "review"), record(3, 0.55, "review")]
    histogram = report.confidence_histogram(records, bins=10)
    assert histogram.edges == pytest.approx([i / 10 for i in range(11)])
    assert histogram.counts["accept"] == [0] * 9 + [1]
    assert histogram.counts["review"] == [1, 0, 0, 0, 0, 2, 0, 0, 0, 0]


# --- The files -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 6, 600])
def test_the_report_writes_valid_charts_and_an_index_that_shows_them(tmp_path: Path, count: int) -> None:
    data = report.ReportInput(
        records=synthetic(count),
        metrics={"ImagesReceived": str(count), "Confidence": "avg 81.2"},
        source="local <stack> & co",
        generated_at=datetime.now(UTC),
    )
    written = report.write_report(data, tmp_path / "out")
    assert [p.name for p in written] == [*(c.file for c in report.CHARTS), "index.html"]
    for chart in written[:-1]:
        assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(chart) as image:
            image.verify()
        with Image.open(chart) as image:
            assert image.size[0] >= 800 and image.size[1] >= 400
        assert 8_000 < chart.stat().st_size < 1_000_000
    page = written[-1].read_text(encoding="utf-8")
    assert re.findall(r'<img src="([^"]+)"', page) == [c.file for c in report.CHARTS]  # relative paths
    assert "local &lt;stack&gt; &amp; co" in page
    assert "<stack>" not in page
    assert f"<th>inferences</th><td>{count}</td>" in page
    assert "<th>ImagesReceived</th>" in page


def test_the_capture_chart_is_added_when_captured_answers_are_given(tmp_path: Path) -> None:
    from service.ops.capture import CapturedInference

    captured = [
        CapturedInference(event_id=str(i), inference_time=START + timedelta(minutes=i), label="bicycle", confidence=c)
        for i, c in enumerate([0.55, 0.91, 0.97])
    ]
    data = report.ReportInput(
        records=[], captured=captured, capture_threshold=0.9, source="aws", generated_at=datetime.now(UTC)
    )
    written = report.write_report(data, tmp_path)
    assert (tmp_path / "capture.png").stat().st_size > 8_000
    assert 'src="capture.png"' in written[-1].read_text(encoding="utf-8")


# --- Reading recent inferences: results table + review queue (peeked) ---------------------------------------


@pytest.fixture
def stores() -> Iterator[tuple[ResultsTable, Queue, Any]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_results_table(dynamodb, "results")
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="review")["QueueUrl"]
        yield ResultsTable(dynamodb, "results"), Queue(sqs, url), dynamodb


def test_recent_inferences_merge_results_and_review_without_consuming(
    stores: tuple[ResultsTable, Queue, Any],
) -> None:
    table, queue, dynamodb = stores
    now = datetime.now(UTC)
    minutes_ago = (now - START).total_seconds() / 60
    accepted = [record(minutes_ago - m, 0.95, "accept", key=f"a{m}") for m in (50, 30, 10)]
    human = record(minutes_ago - 5, 1.0, "accept", key="h").model_copy(update={"source": "human"})
    old = record(minutes_ago - 60 * 48, 0.9, "accept", key="old")
    for item in [*accepted, human, old]:
        dynamodb.put_item(TableName="results", Item=item.to_dynamodb())
    reviewed = [record(minutes_ago - m, 0.6, "review", key=f"r{m}") for m in (40, 20)]
    for item in reviewed:
        queue._sqs.send_message(QueueUrl=queue.url, MessageBody=item.model_dump_json())

    found = report.recent_inferences(table, queue, since=now - timedelta(days=1))
    assert [r.key for r in found] == ["a50", "r40", "a30", "r20", "a10"]  # oldest first, the model's only
    assert [r.key for r in report.recent_inferences(table, queue, since=now - timedelta(days=1), limit=2)] == [
        "r20",
        "a10",
    ]
    assert queue.depth() == 2  # peeked, not consumed
    assert len(report.recent_inferences(table, queue)) == 6  # no `since`: the old record too


# --- SageMaker data capture (Model Monitor's JSON lines) ------------------------------------------------------


def capture_line(probabilities: list[float], moment: datetime, event_id: str, encoding: str = "BASE64") -> str:
    answer = json.dumps(probabilities)
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "application/x-image",
                    "mode": "INPUT",
                    "data": base64.b64encode(b"\x89PNG\r\n\x1a\n...").decode(),
                    "encoding": "BASE64",
                },
                "endpointOutput": {
                    "observedContentType": "application/json",
                    "mode": "OUTPUT",
                    "data": base64.b64encode(answer.encode()).decode() if encoding == "BASE64" else answer,
                    "encoding": encoding,
                },
            },
            "eventMetadata": {"eventId": event_id, "inferenceTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }
    )


def test_a_capture_line_gives_the_top_class_and_its_probability() -> None:
    captured = parse_capture_line(capture_line([0.2, 0.8], START, "e1"), CLASSES)
    assert captured is not None
    assert (captured.event_id, captured.label, captured.inference_time) == ("e1", "motorcycle", START)
    assert captured.confidence == pytest.approx(0.8)
    as_json = parse_capture_line(capture_line([0.9, 0.1], START, "e2", encoding="JSON"), CLASSES)
    assert as_json is not None and as_json.label == "bicycle"
    assert parse_capture_line('{"captureData": {}}', CLASSES) is None
    assert parse_capture_line(capture_line([], START, "e3"), CLASSES) is None


def test_capture_files_are_read_from_the_prefix(tmp_path: Path) -> None:
    begin = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)  # files are dated now; events before
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="captures")
        base = "scones/capture/scones-endpoint/AllTraffic/2026/11/22"
        first = "\n".join(capture_line([0.3, 0.7], begin + timedelta(minutes=i), f"a{i}") for i in range(3))
        second = capture_line([0.95, 0.05], begin + timedelta(hours=1), "b0") + "\nnot json\n"
        s3.put_object(Bucket="captures", Key=f"{base}/09/00-00-000-aaaa.jsonl", Body=first.encode())
        s3.put_object(Bucket="captures", Key=f"{base}/10/00-00-000-bbbb.jsonl", Body=second.encode())
        s3.put_object(Bucket="captures", Key="scones/other/ignored.jsonl", Body=second.encode())

        captured = read_capture(s3, "s3://captures/scones/capture", CLASSES)
        assert [c.event_id for c in captured] == ["a0", "a1", "a2", "b0"]
        assert [c.label for c in captured] == ["motorcycle"] * 3 + ["bicycle"]
        assert [c.event_id for c in read_capture(s3, "s3://captures/scones/capture", CLASSES, limit=2)][-1] == "b0"
        late = read_capture(s3, "s3://captures/scones/capture", CLASSES, since=begin + timedelta(minutes=30))
        assert [c.event_id for c in late] == ["b0"]
    assert split_s3_uri("s3://bucket") == ("bucket", "")
    with pytest.raises(ValueError):
        split_s3_uri("https://bucket/prefix")
