"""The discrete-event engine: one SimPy environment per replication, no I/O."""

from sim.engine.model import EVENT_COLUMNS, Model, RunResult, simulate

__all__ = ["EVENT_COLUMNS", "Model", "RunResult", "simulate"]
