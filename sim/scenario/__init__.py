"""Scenarios: the validated, immutable description of a reform and its setting."""

from sim.scenario.loader import load_scenario, scenario_hash, scenario_sources, with_overrides
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "scenario_hash", "scenario_sources", "with_overrides"]
