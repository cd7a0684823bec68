"""The experiment layer: running replications, comparisons and sweeps; storing and analysing results."""

from sim.experiment.compare import Comparison, compare
from sim.experiment.results import Results
from sim.experiment.run import run
from sim.experiment.sensitivity import sensitivity
from sim.experiment.spec import SweepSpec, load_spec
from sim.experiment.sweep import sweep
from sim.experiment.sweep_results import SweepResults, open_sweep

__all__ = [
    "Comparison",
    "Results",
    "SweepResults",
    "SweepSpec",
    "compare",
    "load_spec",
    "open_sweep",
    "run",
    "sensitivity",
    "sweep",
]
