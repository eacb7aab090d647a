"""`scones report`: charts of recent inferences (PNG, matplotlib) and one index.html that shows them.

The numbers behind each chart come from pure functions (`label_split`, `review_rate`, `confidence_histogram`,
`bucket_width`), so they are tested without drawing; the drawing functions only lay them out.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from pydantic import BaseModel

from service.dal.queues import Queue, review_records
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.models import ResultRecord, Route
from service.ops.capture import CapturedInference
from service.ops.logs import stack_functions

ROUTE_COLOURS: dict[Route, str] = {"accept": "#2f9e44", "review": "#e8590c"}
ROUTE_NAMES: dict[Route, str] = {"accept": "accepted", "review": "sent to review"}
ROUTES: tuple[Route, ...] = ("accept", "review")
# Bucket widths a reader can name, smallest first; `bucket_width` picks the first that gives few enough buckets.
NICE_WIDTHS = [
    timedelta(seconds=s)
    for s in (1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
]


# --- The numbers -------------------------------------------------------------------------------------------------


class RateBucket(BaseModel):
    start: datetime
    accepted: int
    review: int

    @property
    def total(self) -> int:
        return self.accepted + self.review

    @property
    def rate(self) -> float | None:
        """review / (accepted + review); None for an empty bucket."""
        return self.review / self.total if self.total else None


class Histogram(BaseModel):
    edges: list[float]
    counts: dict[str, list[int]]  # by route


def label_split(records: Sequence[ResultRecord]) -> dict[str, dict[Route, int]]:
    """Counts per label and route, labels in alphabetical order."""
    counts = Counter((r.label, r.route) for r in records)
    labels = sorted({r.label for r in records})
    return {label: {route: counts[(label, route)] for route in ROUTES} for label in labels}


def bucket_width(start: datetime, end: datetime, max_buckets: int = 24) -> timedelta:
    span = end - start
    for width in NICE_WIDTHS:
        if span / width < max_buckets:
            return width
    return NICE_WIDTHS[-1]


def _bucket_start(moment: datetime, width: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + (moment.astimezone(UTC) - epoch) // width * width


def review_rate(records: Sequence[ResultRecord], width: timedelta | None = None) -> list[RateBucket]:
    """Per time bucket (by completion time): accepted, sent to review; every bucket from first to last, empty
    ones included so that gaps show as gaps."""
    if not records:
        return []
    times = [r.completed_at for r in records]
    width = width or bucket_width(min(times), max(times))
    first, last = _bucket_start(min(times), width), _bucket_start(max(times), width)
    buckets = {first + i * width: [0, 0] for i in range((last - first) // width + 1)}
    for record in records:
        buckets[_bucket_start(record.completed_at, width)][ROUTES.index(record.route)] += 1
    return [RateBucket(start=start, accepted=a, review=r) for start, (a, r) in sorted(buckets.items())]


def confidence_histogram(records: Sequence[ResultRecord], bins: int = 20) -> Histogram:
    """Counts of confidence in `bins` equal bins over [0, 1], per route (1.0 falls in the last bin)."""
    edges = [i / bins for i in range(bins + 1)]
    counts = {route: [0] * bins for route in ROUTES}
    for record in records:
        counts[record.route][min(int(record.confidence * bins), bins - 1)] += 1
    return Histogram(edges=edges, counts=counts)


# --- Reading the inferences --------------------------------------------------------------------------------------


def recent_inferences(
    results: ResultsTable, review: Queue | ReviewsTable, since: datetime | None = None, limit: int = 1000
) -> list[ResultRecord]:
    """The model's decisions: accepted ones from the results table, doubtful ones pending review (the reviews
    table; audits are accepted records already), nothing consumed; the `limit` most recent, oldest first."""
    accepted = results.query(since=since, source="model")
    if isinstance(review, ReviewsTable):
        waiting = [item.prediction for item in review.pending() if item.reason != "audit"]
    else:  # a stack from before the reviews table: its review queue held the records themselves
        waiting = review_records(review)
    doubtful = [r for r in waiting if since is None or r.completed_at >= since]
    records = sorted([*accepted, *doubtful], key=lambda r: r.completed_at)
    return records[-limit:] if limit else records


def classify_environment(cloudformation: Any, lambda_client: Any, stack_name: str) -> dict[str, str]:
    """The Classify function's environment (MODEL_BACKEND, CONFIDENCE_THRESHOLD...) as the stack deployed it."""
    name = stack_functions(cloudformation, stack_name)["Classify"]
    configuration = lambda_client.get_function_configuration(FunctionName=name)
    return dict(configuration.get("Environment", {}).get("Variables", {}))


# --- The charts --------------------------------------------------------------------------------------------------


def _figure(title: str) -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=110, layout="constrained")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    return figure, axes


def _time_axis(axes: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.set_xlabel("time (UTC)")


def _no_data(axes: Axes, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what} yet", ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_xticks([])


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path)
    plt.close(figure)
    return path


def _marker_size(count: int) -> float:
    # Big dots for a handful of points, small ones (and see-through) when they would overlap.
    return max(6.0, min(60.0, 3000.0 / max(count, 1)))


def _days(moments: Sequence[datetime]) -> Any:
    """Times as Matplotlib's date numbers (days), which its typed API takes; the axes format them as dates."""
    return mdates.date2num(list(moments))


def confidence_chart(records: Sequence[ResultRecord], path: Path) -> Path:
    figure, axes = _figure("Confidence of each inference against the threshold")
    if records:
        size, alpha = _marker_size(len(records)), 0.9 if len(records) < 100 else 0.5
        for route in ROUTES:
            chosen = [r for r in records if r.route == route]
            axes.scatter(
                _days([r.completed_at for r in chosen]),
                [r.confidence for r in chosen],
                s=size,
                alpha=alpha,
                color=ROUTE_COLOURS[route],
                label=f"{ROUTE_NAMES[route]} ({len(chosen)})",
                edgecolors="none",
            )
        # The threshold can change between deployments: draw it as it was at each inference.
        axes.plot(
            _days([r.completed_at for r in records]),
            [r.threshold for r in records],
            linestyle="--",
            drawstyle="steps-post",
            color="black",
            linewidth=1.2,
            label=f"threshold (latest {records[-1].threshold:.3g})",
        )
        axes.legend(loc="lower left")
        _time_axis(axes)
    else:
        _no_data(axes, "inferences")
    axes.set_ylim(0, 1.04)
    axes.set_ylabel("confidence")
    return _save(figure, path)


def label_chart(records: Sequence[ResultRecord], path: Path) -> Path:
    figure, axes = _figure("Label split")
    split = label_split(records)
    if split:
        labels = list(split)
        bottom = [0] * len(labels)
        for route in ROUTES:
            heights = [split[label][route] for label in labels]
            axes.bar(labels, heights, bottom=bottom, color=ROUTE_COLOURS[route], label=ROUTE_NAMES[route], width=0.6)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for index, total in enumerate(bottom):
            axes.annotate(
                str(total), (index, total), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points"
            )
        axes.set_ylim(0, max(bottom) * 1.15)
        axes.legend()
    else:
        _no_data(axes, "inferences")
    axes.set_xlabel("predicted label")
    axes.set_ylabel("images")
    return _save(figure, path)


def review_rate_chart(records: Sequence[ResultRecord], path: Path) -> Path:
    times = [r.completed_at for r in records] or [datetime.now(UTC)]
    width = bucket_width(min(times), max(times))
    buckets = review_rate(records, width)
    per = f" per {_duration(width)}" if records else ""
    figure, axes = _figure(f"Review rate{per} (sent to review / classified)")
    if buckets:
        centres = [b.start + width / 2 for b in buckets]
        volume = axes.twinx()
        volume.bar(
            _days(centres),
            [b.total for b in buckets],
            width=width / timedelta(days=1) * 0.9,
            color="#adb5bd",
            alpha=0.45,
            label="images",
        )
        volume.set_ylabel("images classified", color="#868e96")
        volume.set_ylim(0, max(b.total for b in buckets) * 1.6)  # the bars stay below the rate line's legend
        volume.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_zorder(volume.get_zorder() + 1)  # the rate line above the volume bars
        axes.patch.set_visible(False)
        # Empty buckets have no rate: the line joins the buckets that have one, the bars show where none came.
        filled = [(c, b.rate) for c, b in zip(centres, buckets, strict=True) if b.rate is not None]
        axes.plot(
            _days([c for c, _ in filled]),
            [r for _, r in filled],
            marker="o",
            color=ROUTE_COLOURS["review"],
            label="review rate",
        )
        lines, names = axes.get_legend_handles_labels()
        bars, bar_names = volume.get_legend_handles_labels()
        axes.legend(lines + bars, names + bar_names, loc="upper left", ncols=2)
        _time_axis(axes)
    else:
        _no_data(axes, "inferences")
    axes.set_ylim(0, 1.25)
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.set_ylabel("review rate")
    return _save(figure, path)


def histogram_chart(records: Sequence[ResultRecord], path: Path) -> Path:
    figure, axes = _figure("Confidence histogram by route")
    if records:
        histogram = confidence_histogram(records)
        lefts, step = histogram.edges[:-1], histogram.edges[1] - histogram.edges[0]
        bottom = [0] * len(lefts)
        for route in ROUTES:
            counts = histogram.counts[route]
            axes.bar(
                lefts,
                counts,
                width=step,
                bottom=bottom,
                align="edge",
                color=ROUTE_COLOURS[route],
                edgecolor="white",
                label=f"{ROUTE_NAMES[route]} ({sum(counts)})",
            )
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.axvline(
            records[-1].threshold, linestyle="--", color="black", label=f"threshold {records[-1].threshold:.3g}"
        )
        axes.legend(loc="upper left")
    else:
        _no_data(axes, "inferences")
    axes.set_xlim(0, 1)
    axes.set_xlabel("confidence")
    axes.set_ylabel("images")
    return _save(figure, path)


def capture_chart(captured: Sequence[CapturedInference], threshold: float, path: Path) -> Path:
    figure, axes = _figure("SageMaker endpoint data capture: confidence of each answer")
    if captured:
        confident = [c for c in captured if c.confidence >= threshold]
        doubtful = [c for c in captured if c.confidence < threshold]
        size, alpha = _marker_size(len(captured)), 0.9 if len(captured) < 100 else 0.5
        for chosen, route in ((confident, "accept"), (doubtful, "review")):
            axes.scatter(
                _days([c.inference_time for c in chosen]),
                [c.confidence for c in chosen],
                s=size,
                alpha=alpha,
                color=ROUTE_COLOURS[route],  # type: ignore[index]
                edgecolors="none",
                label=f"{'at or above' if route == 'accept' else 'below'} threshold ({len(chosen)})",
            )
        axes.axhline(threshold, linestyle="--", color="black", label=f"threshold {threshold:.3g}")
        axes.legend(loc="lower left")
        _time_axis(axes)
    else:
        _no_data(axes, "captured answers")
    axes.set_ylim(0, 1.04)
    axes.set_ylabel("confidence (top class)")
    return _save(figure, path)


def _duration(width: timedelta) -> str:
    seconds = int(width.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


# --- The page ----------------------------------------------------------------------------------------------------


class Chart(BaseModel):
    file: str
    title: str
    caption: str


class ReportInput(BaseModel):
    records: list[ResultRecord]
    metrics: dict[str, str] = {}  # name → shown value
    captured: list[CapturedInference] | None = None  # None: no SageMaker data capture to show
    capture_threshold: float = 0.5
    source: str = ""
    generated_at: datetime


CHARTS = [
    Chart(
        file="confidence.png",
        title="Confidence over time",
        caption="Each inference's confidence; the dashed line is the threshold it was decided against.",
    ),
    Chart(file="labels.png", title="Label split", caption="Predicted labels, split by route."),
    Chart(
        file="review_rate.png",
        title="Review rate",
        caption="Per time bucket: images sent to review / images classified; grey bars are the volume.",
    ),
    Chart(
        file="confidence_histogram.png",
        title="Confidence histogram",
        caption="How confident the model was, accepted and reviewed images stacked.",
    ),
]
CAPTURE_CHART = Chart(
    file="capture.png",
    title="SageMaker data capture",
    caption="The endpoint's own answers as Model Monitor captured them (top-class probability).",
)


def write_report(data: ReportInput, out: Path) -> list[Path]:
    """Writes the charts and index.html into `out`; returns every file written, index.html last."""
    out.mkdir(parents=True, exist_ok=True)
    drawers: list[Any] = [confidence_chart, label_chart, review_rate_chart, histogram_chart]
    written = [draw(data.records, out / chart.file) for draw, chart in zip(drawers, CHARTS, strict=True)]
    charts = list(CHARTS)
    if data.captured is not None:
        written.append(capture_chart(data.captured, data.capture_threshold, out / CAPTURE_CHART.file))
        charts.append(CAPTURE_CHART)
    index = out / "index.html"
    index.write_text(render_html(data, charts), encoding="utf-8")
    return [*written, index]


def _summary(records: Sequence[ResultRecord]) -> list[tuple[str, str]]:
    reviewed = sum(r.route == "review" for r in records)
    rows = [("inferences", str(len(records))), ("accepted", str(len(records) - reviewed))]
    rows.append(("sent to review", str(reviewed)))
    if records:
        rows.append(("review rate", f"{reviewed / len(records):.1%}"))
        rows.append(("from", records[0].completed_at.strftime("%Y-%m-%d %H:%M:%S UTC")))
        rows.append(("to", records[-1].completed_at.strftime("%Y-%m-%d %H:%M:%S UTC")))
    return rows


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def render_html(data: ReportInput, charts: Sequence[Chart]) -> str:
    figures = "".join(
        f'<section><h2>{html.escape(c.title)}</h2><img src="{html.escape(c.file)}" alt="{html.escape(c.title)}">'
        f"<p>{html.escape(c.caption)}</p></section>"
        for c in charts
    )
    metrics = _table(sorted(data.metrics.items())) if data.metrics else "<p>No metrics in the period.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scones report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1040px; color: #212529; }}
table {{ border-collapse: collapse; margin-bottom: 1rem; }}
th, td {{ text-align: left; padding: 0.2rem 1rem 0.2rem 0; }}
img {{ max-width: 100%; border: 1px solid #dee2e6; }}
.columns {{ display: flex; gap: 3rem; flex-wrap: wrap; }}
</style></head>
<body>
<h1>scones report</h1>
<p>{html.escape(data.source)} · generated {html.escape(data.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"))}</p>
<div class="columns">
<div><h2>Inferences</h2>{_table(_summary(data.records))}</div>
<div><h2>Metrics</h2>{metrics}</div>
</div>
{figures}
</body></html>
"""
