"""Estimates from a planner's own data (rosters) that scenarios can use."""

from sim.estimate.exits import ExitEstimate, estimate_exits

__all__ = ["ExitEstimate", "estimate_exits"]
