"""The experiment layer: running replications, storing and reading results."""

from sim.experiment.results import Results
from sim.experiment.run import run

__all__ = ["Results", "run"]
