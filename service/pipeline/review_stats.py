"""What people's decisions measure: the precision of auto-accepted results, override rates, and the lowest
threshold that would have met a precision target.

Audits are a uniform sample of the accepted images (at the audit rate); the images below the threshold are
all reviewed. An audit therefore stands for 1/rate accepted images: precision over a mix of both weighs each
decision by that, so the sampled region is not under-counted against the census below the threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from service.domain.precision import Proportion, wilson
from service.domain.review_items import ReviewItem

#: `threshold suggest` refuses to recommend from fewer reviewed images than this.
MIN_REVIEWED = 30


class ClassOverrides(BaseModel):
    decided: int
    overridden: int
    rate: float | None


class ReviewStats(BaseModel):
    audits_decided: int
    audit_precision: Proportion = Field(description="Auto-accepted results people confirmed (95% Wilson interval).")
    decided: int
    pending: int
    sent_to_review: int = Field(description="Items ever sent to people because the model was unsure (no audits).")
    classified: int = Field(description="Accepted by the model plus sent to review.")
    review_rate: float | None
    overrides_by_class: dict[str, ClassOverrides] = Field(description="By the model's predicted label.")
    oldest_pending_age_seconds: float | None


def review_stats(
    decided: Sequence[ReviewItem],
    pending: int,
    pending_not_audits: int,
    accepted: int,
    oldest: ReviewItem | None,
    now: datetime | None = None,
) -> ReviewStats:
    now = now or datetime.now(UTC)
    audits = [d for d in decided if d.reason == "audit"]
    confirmed = sum(d.decided_label == d.label for d in audits)
    by_class: dict[str, list[ReviewItem]] = defaultdict(list)
    for d in decided:
        by_class[d.label].append(d)
    overrides = {}
    for label, items in sorted(by_class.items()):
        overridden = sum(d.decided_label != d.label for d in items)
        overrides[label] = ClassOverrides(decided=len(items), overridden=overridden, rate=overridden / len(items))
    sent = sum(d.reason != "audit" for d in decided) + pending_not_audits
    classified = accepted + sent
    return ReviewStats(
        audits_decided=len(audits),
        audit_precision=wilson(confirmed, len(audits)),
        decided=len(decided),
        pending=pending,
        sent_to_review=sent,
        classified=classified,
        review_rate=sent / classified if classified else None,
        overrides_by_class=overrides,
        oldest_pending_age_seconds=(now - oldest.queued_at).total_seconds() if oldest else None,
    )


class ThresholdRow(BaseModel):
    threshold: float
    precision: float
    reviewed: int = Field(description="Reviewed images at or above this threshold (what the precision rests on).")
    review_rate: float | None = Field(description="Share of classified images that would go to people.")


class ThresholdSuggestion(BaseModel):
    target_precision: float
    reviewed: int = Field(description="Reviewed images the suggestion rests on.")
    suggested: ThresholdRow | None
    reason: str | None = Field(default=None, description="Why nothing is suggested.")
    parameter: str | None = Field(default=None, description="Ready for sam deploy --parameter-overrides.")


def suggest_threshold(
    decided: Sequence[ReviewItem],
    confidences: Sequence[float],
    target_precision: float,
    min_reviewed: int = MIN_REVIEWED,
) -> ThresholdSuggestion:
    """The lowest threshold whose measured precision (weighted as the module says) on reviewed images at or above
    it meets the target, with at least `min_reviewed` of them above it. `confidences` are the model's confidences
    of every classified image, for the review rate the threshold would give."""
    usable = [d for d in decided if d.decided_label is not None]
    if len(usable) < min_reviewed:
        return ThresholdSuggestion(
            target_precision=target_precision,
            reviewed=len(usable),
            suggested=None,
            reason=f"Only {len(usable)} reviewed images; at least {min_reviewed} are needed.",
        )
    ordered = sorted(usable, key=lambda d: d.confidence, reverse=True)
    everyone = sorted(confidences)
    best: ThresholdRow | None = None
    weight_sum = correct_sum = 0.0
    # Walk down from the most confident: each distinct confidence is a candidate threshold.
    for n, item in enumerate(ordered, start=1):
        weight = 1.0 / item.audit_rate if item.reason == "audit" and item.audit_rate else 1.0
        weight_sum += weight
        correct_sum += weight * (item.decided_label == item.label)
        if n < len(ordered) and ordered[n].confidence == item.confidence:
            continue
        precision = correct_sum / weight_sum
        if n >= min_reviewed and precision >= target_precision:
            below = _count_below(everyone, item.confidence)
            rate = below / len(everyone) if everyone else None
            best = ThresholdRow(threshold=item.confidence, precision=precision, reviewed=n, review_rate=rate)
    if best is None:
        return ThresholdSuggestion(
            target_precision=target_precision,
            reviewed=len(usable),
            suggested=None,
            reason=f"No threshold reaches a measured precision of {target_precision} on {min_reviewed}+ images.",
        )
    return ThresholdSuggestion(
        target_precision=target_precision,
        reviewed=len(usable),
        suggested=best,
        parameter=f"ConfidenceThreshold={best.threshold}",
    )


def _count_below(ordered: list[float], threshold: float) -> int:
    import bisect

    return bisect.bisect_left(ordered, threshold)
