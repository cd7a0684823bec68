"""The sections of the scenario schema, one module per part of the model (sim.scenario.schema joins them)."""
