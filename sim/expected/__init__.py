"""The expected-value twin of the engine: a deterministic cohort projection (see projection.py)."""

from sim.expected.projection import Projection, expected, project, simulate_expected

__all__ = ["Projection", "expected", "project", "simulate_expected"]
