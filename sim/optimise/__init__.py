"""Policy search: levers, objectives and risk constraints searched with Optuna, confirmed by the engine."""

from sim.optimise.plan import OptimisePlan, plan_optimise
from sim.optimise.results import OptimiseResult
from sim.optimise.run import optimise
from sim.optimise.spec import OptimiseSpec, load_optimise_spec

__all__ = ["OptimisePlan", "OptimiseResult", "OptimiseSpec", "load_optimise_spec", "optimise", "plan_optimise"]
