"""The reserved key of `scones doctor`'s probe images: they run through the whole pipeline but count for nobody.

A key containing PROBE_MARKER is a probe: its metrics carry an extra dimension (so the alarms, the dashboard and
`scones metrics`, which read the plain series, never see it), it is never drawn for an audit, and the listings of
results and pending reviews leave it out. The doctor deletes what its probe wrote as soon as it has seen it.
"""

from __future__ import annotations

#: Reserved in any key: `<IntakePrefix>_scones-doctor/<id>.png` is where the doctor uploads.
PROBE_MARKER = "_scones-doctor/"
#: The metric dimension that sets a probe's metrics apart (value: PROBE_DIMENSION_VALUE).
PROBE_DIMENSION = "probe"
PROBE_DIMENSION_VALUE = "doctor"


def is_probe(key: str) -> bool:
    return PROBE_MARKER in key
