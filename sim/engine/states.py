"""Person states and the monthly metric columns (a contract: extended, never renamed)."""

from __future__ import annotations

IN_POST, AWAITING, ROTATING, DIVERTED, RETIRED, LEFT = range(6)
STATE_NAMES = ("in_post", "awaiting", "rotating", "diverted", "retired", "left")
ON_PAYROLL = (True, True, True, False, False, False)

BASE_COLUMNS: tuple[str, ...] = (
    "headcount_total",
    "headcount_admin",
    "headcount_institution",
    "headcount_temporary",
    "establishment_total",
    "establishment_admin",
    "establishment_institution",
    *(f"state_{name}" for name in STATE_NAMES),
    "hires_cumulative",
    "mean_age",
    "share_secondary_plus",
)
