"""Exit rates measured from two or more real-name rosters of the same staff (`fenliu estimate-exits`).

import sim
est = sim.estimate_exits(["roster-2004.xlsx", "roster-2005.xlsx"], dates=["2004-12", "2005-12"])
est.rates        # exits per person-year by cause, age band, sex, sector and status, with intervals
est.retirement   # observed retirements against the statutory rule
est.save("results/exits", extends="scenarios/base.toml")   # tables and exit_rates.toml
"""

from sim.estimate.exits.estimate import ExitEstimate, estimate_exits

__all__ = ["ExitEstimate", "estimate_exits"]
