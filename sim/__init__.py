"""fenliu (分流): discrete-event simulation of township institutional reform.

Python API::

    import sim
    scenario = sim.load_scenario("scenarios/base.toml", overrides={"reform.cut_admin": 0.2})
    results = sim.run(scenario, replications=20, seed=1)
    results.monthly       # one row per replication and month
    results.summary()     # mean, P5, P50, P95 at months 0, 12, 24, 60 and the horizon
    comparison = sim.compare(["scenarios/base.toml", "my-variant.toml"])   # common random numbers
    sweep = sim.sweep("scenarios/sweeps/freeze-and-enforcement.toml")     # see docs/experiments.md
    sim.sensitivity(sweep, "headcount_total", month=60)
    search = sim.optimise("scenarios/optimise/hengyang-cheapest.toml")   # cheapest policy under risk caps
"""

from sim import report
from sim.calibrate import calibrate
from sim.errors import InputError
from sim.estimate import estimate_exits
from sim.expected import expected
from sim.experiment import Comparison, Results, SweepResults, compare, open_sweep, run, sensitivity, sweep
from sim.optimise import optimise
from sim.population import Population, build_population
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.version import __version__

__all__ = [
    "Comparison",
    "InputError",
    "Population",
    "Results",
    "Scenario",
    "SweepResults",
    "__version__",
    "build_population",
    "calibrate",
    "compare",
    "estimate_exits",
    "expected",
    "load_scenario",
    "open_sweep",
    "optimise",
    "report",
    "run",
    "sensitivity",
    "sweep",
    "with_overrides",
]
