"""Measured precision, override rates and the threshold suggestion, on seeded decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.models import Reason, ResultRecord, utc_now
from service.domain.precision import wilson
from service.domain.review_items import ReviewItem, audit_draw
from service.review.stats import review_stats, suggest_threshold


def decided(
    n: int, confidence: float, right: bool, reason: Reason = "low_confidence", label: str = "bicycle"
) -> ReviewItem:
    now = utc_now()
    record = ResultRecord(
        bucket="b",
        key=f"k{n}",
        label=label,
        confidence=confidence,
        probabilities={label: confidence},
        model_version="m",
        route="review",
        threshold=0.9,
        reason=reason,
        uploaded_at=now,
        completed_at=now - timedelta(hours=1),
    )
    item = ReviewItem.for_prediction(record, audit_rate=0.1 if reason == "audit" else None)
    other = "motorcycle" if label == "bicycle" else "bicycle"
    return item.model_copy(
        update={
            "status": "decided",
            "pending": None,
            "decided_label": label if right else other,
            "decided_by": "alice",
            "decided_at": now,
        }
    )


def test_wilson_interval_is_sound_at_the_edges() -> None:
    assert wilson(0, 0).value is None
    full = wilson(50, 50)
    assert full.value == 1.0 and full.high == 1.0 and full.low == pytest.approx(0.9287, abs=1e-3)
    half = wilson(5, 10)
    assert half.low == pytest.approx(0.2366, abs=1e-3) and half.high == pytest.approx(0.7634, abs=1e-3)


def test_audit_sampling_is_deterministic_and_near_the_rate() -> None:
    assert audit_draw("b", "k", "v1") == audit_draw("b", "k", "v1")
    assert audit_draw("b", "k", "v1") != audit_draw("b", "k", "v2")
    share = sum(audit_draw("b", f"k{n}", None) < 0.02 for n in range(20_000)) / 20_000
    assert 0.015 < share < 0.025


def test_stats_measure_precision_from_audits_and_overrides_per_class() -> None:
    items = [decided(n, 0.97, right=n != 0, reason="audit") for n in range(20)]  # 19 of 20 confirmed
    items += [decided(100 + n, 0.6, right=n % 2 == 0, label="motorcycle") for n in range(10)]
    oldest = decided(999, 0.55, True)
    figures = review_stats(items, pending=3, pending_not_audits=2, accepted=88, oldest=oldest)
    assert figures.audits_decided == 20
    assert figures.audit_precision.value == pytest.approx(0.95)
    assert figures.audit_precision.low is not None and figures.audit_precision.low < 0.95 < figures.audit_precision.high  # type: ignore[operator]
    assert figures.sent_to_review == 12 and figures.classified == 100
    assert figures.review_rate == pytest.approx(0.12)
    assert figures.overrides_by_class["motorcycle"].rate == pytest.approx(0.5)
    assert figures.overrides_by_class["bicycle"].overridden == 1
    assert figures.oldest_pending_age_seconds == pytest.approx(3600, abs=5)


def test_threshold_suggestion_is_the_lowest_whose_lower_bound_meets_the_target() -> None:
    from scipy.stats import beta

    # Right above 0.8, half right between 0.6 and 0.66 (0.659 wrong, 0.658 right, 0.657 wrong...).
    items = [decided(n, 0.80 + n / 10_000, right=True) for n in range(600)]
    items += [decided(1000 + n, 0.60 + n / 1000, right=n % 2 == 0) for n in range(60)]
    confidences = [i.confidence for i in items] + [0.99] * 340
    suggestion = suggest_threshold(items, confidences, target_precision=0.99, min_reviewed=30)
    assert suggestion.suggested is not None
    # 601 right of 602 at 0.658 bound at 0.9921; 601 of 603 at 0.657 only at 0.9896.
    assert suggestion.suggested.threshold == pytest.approx(0.658)
    assert suggestion.suggested.reviewed == 602
    assert suggestion.suggested.precision_lower == pytest.approx(beta.ppf(0.05, 601, 2), abs=1e-9)
    assert beta.ppf(0.05, 601, 3) < 0.99
    assert suggestion.suggested.review_rate == pytest.approx(58 / 1000)
    assert suggestion.parameter == "ConfidenceThreshold=0.658"
    refused = suggest_threshold(items[:10], confidences, target_precision=0.99, min_reviewed=30)
    assert refused.suggested is None and "at least 30" in (refused.reason or "")
    unreachable = suggest_threshold(items[600:], confidences, target_precision=0.99, min_reviewed=30)
    assert unreachable.suggested is None


def test_a_measured_precision_at_the_target_is_not_enough_without_the_evidence_for_it() -> None:
    # 200 right of 200: measured 1.0, but the 95% bound is 0.05 ** (1 / 200) = 0.985 < 0.99.
    items = [decided(n, 0.90 + n / 10_000, right=True) for n in range(200)]
    suggestion = suggest_threshold(items, [i.confidence for i in items], target_precision=0.99, min_reviewed=30)
    assert suggestion.suggested is None and "lower precision bound" in (suggestion.reason or "")
    assert suggest_threshold(items, [], target_precision=0.98, min_reviewed=30).suggested is not None


def test_audits_weigh_for_the_accepted_images_they_stand_for_at_their_effective_count() -> None:
    # 400 audits (rate 0.1, weight 10) all right at 0.95; 400 reviews at 0.7 with 40 wrong.
    items = [decided(n, 0.95, right=True, reason="audit") for n in range(400)]
    items += [decided(1000 + n, 0.7, right=n >= 40) for n in range(400)]
    confidences = [i.confidence for i in items]
    suggestion = suggest_threshold(items, confidences, target_precision=0.95, min_reviewed=30)
    # Unweighted 760/800 = 0.95 at 0.7; weighted (4000 + 360) / 4400 = 0.991 on an effective 479 decisions,
    # bound 0.980: the lower threshold is certified at 0.95 (unweighted, its bound would be 0.936).
    assert suggestion.suggested is not None and suggestion.suggested.threshold == pytest.approx(0.7)
    assert suggestion.suggested.precision == pytest.approx(4360 / 4400)
    strict = suggest_threshold(items, confidences, target_precision=0.99, min_reviewed=30)
    assert strict.suggested is not None and strict.suggested.threshold == pytest.approx(0.95)


def test_the_filter_step_samples_audits_from_accepted_images_only() -> None:
    from service.domain.models import Prediction, SerializedImage
    from service.pipeline.steps import decide

    image = SerializedImage(
        bucket="b", key="k.png", format="PNG", width=1, height=1, pixels_png_b64="", uploaded_at=utc_now()
    )
    sure = Prediction(label="bicycle", confidence=0.99, probabilities={"bicycle": 0.99}, model_version="m")
    unsure = sure.model_copy(update={"confidence": 0.6})
    audited = decide(image, sure, 0.9, audit_rate=1.0)
    assert audited.route == "accept" and audited.audit and audited.review_item is not None
    assert ReviewItem.from_dynamodb(audited.review_item).reason == "audit"
    assert audited.record.reason == "confident"  # the stored result says why it was accepted
    assert not decide(image, sure, 0.9, audit_rate=0.0).audit
    reviewed = decide(image, unsure, 0.9, audit_rate=1.0)
    assert reviewed.route == "review" and not reviewed.audit
    assert (
        reviewed.review_item is not None and ReviewItem.from_dynamodb(reviewed.review_item).reason == "low_confidence"
    )
