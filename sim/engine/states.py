"""Person states and the monthly metric columns (a contract: extended, never renamed)."""

from __future__ import annotations

from sim.scenario.schema import PAYERS

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

CHANNEL_COLUMNS = (
    "teacher",
    "early_retirement",
    "resignation",
    "termination",
    "institution_vacancy",
    "enterprise",
    "police",
)
# Where the surplus of the reform went besides the channels (cumulative counts): with
# diverted_<channel>, state_awaiting and state_rotating they add up to surplus_cumulative.
SURPLUS_COLUMNS = (
    "surplus_cumulative",
    "surplus_reposted_cumulative",
    "surplus_retired_cumulative",
    "surplus_left_cumulative",
)
POOL_COLUMNS = ("pool_contributed_cumulative", "pool_paid_cumulative", "pool_balance", "pool_waiting")
# per payer (sim.scenario.schema.PAYERS): money put into the pool and money paid out of it charged to
# the payer, cumulative; and whether the pool is dry (someone waits, and nobody waiting can be paid)
POOL_PAYER_COLUMNS = (
    "pool_dry",
    *(f"pool_put_{p}" for p in PAYERS),
    *(f"pool_charged_{p}" for p in PAYERS),
)


def columns_for(contributors: list[str]) -> tuple[str, ...]:
    """All monthly columns, in order, for a scenario with these pool contributors."""
    return (
        *BASE_COLUMNS,
        *(f"diverted_{c}" for c in CHANNEL_COLUMNS),
        *(f"queue_{c}" for c in CHANNEL_COLUMNS),
        *POOL_COLUMNS,
        *(f"pool_contributed_{name}" for name in contributors),
        *POOL_PAYER_COLUMNS,
    )
