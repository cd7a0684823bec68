"""Confirmation: the best candidates of the search (and the starting scenario) re-run by the engine.

Which candidates: those on the feasible Pareto front of the search first, then the next
fronts, then the least-violating infeasible ones, up to `budget.confirm`. Each is run by the
discrete-event engine on the same replications (common random numbers), adding
replications (doubling) until every constraint's standard error is at or below its target
or `budget.confirm_replications` is reached. Feasibility and the Pareto front are then
decided on the confirmed estimates only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.trial import TrialState

from sim.experiment.executors import Executor
from sim.optimise.plan import Evaluation, OptimisePlan, evaluate
from sim.optimise.search import summarise

START = 10**6  # candidate id of the starting scenario (job point ids stay unique)
MIN_CONFIRM = 10  # replications at least, per confirmed candidate and world


def _dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def fronts(points: Mapping[int, Sequence[float]]) -> list[list[int]]:
    """Non-dominated sorting of minimised objective vectors: the first front, the second, ..."""
    left = dict(points)
    out = []
    while left:
        front = [i for i, p in left.items() if not any(_dominates(q, p) for j, q in left.items() if j != i)]
        out.append(sorted(front, key=lambda i: tuple(left[i])))
        for i in front:
            del left[i]
    return out


def minimised(plan: OptimisePlan, row: Mapping[str, Any]) -> list[float]:
    """The objective vector with maximised objectives negated."""
    return [row[n] if o.sense == "minimise" else -row[n] for n, o in plan.spec.objectives.items()]


def pick(plan: OptimisePlan, study: optuna.Study) -> list[tuple[int, dict[str, Any]]]:
    """The search's candidates worth confirming, best first: (trial number, levers)."""
    trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if "row" in t.user_attrs]
    seen: dict[str, int] = {}
    rows: dict[int, dict[str, Any]] = {}
    for t in trials:
        key = repr(sorted(t.params.items()))
        if key not in seen:  # the same levers asked twice: one candidate
            seen[key] = t.number
            rows[t.number] = t.user_attrs["row"]
    params = {t.number: dict(t.params) for t in trials}
    feasible = {n: minimised(plan, r) for n, r in rows.items() if r["feasible"]}
    ranked = [n for front in fronts(feasible) for n in front]
    ranked += sorted(
        (n for n in rows if n not in feasible), key=lambda n: (rows[n]["violation"], minimised(plan, rows[n]))
    )
    return [(n, params[n]) for n in ranked[: plan.spec.budget.confirm]]


def _precise(plan: OptimisePlan, ev: Evaluation) -> bool:
    row = summarise(plan, ev)
    return all(row[f"{n}_within_error"] for n in plan.spec.constraints)


def confirm(
    plan: OptimisePlan,
    executor: Executor,
    chosen: Sequence[tuple[int, dict[str, Any]]],
    reuse: Mapping[int, Evaluation] | None = None,
) -> dict[int, Evaluation]:
    """Run the chosen candidates and the starting scenario by the engine until their constraint SEs are met.

    `reuse` holds engine replications the search already ran (same seed, same indices), which
    are kept rather than run again.
    """
    budget = plan.spec.budget
    most = budget.confirm_replications
    least = min(most, max(budget.replications, MIN_CONFIRM))
    evals: dict[int, Evaluation] = {}
    for number, levers in chosen:
        old = (reuse or {}).get(number)
        evals[number] = (
            Evaluation(dict(levers), {k: [list(w) for w in v] for k, v in old.values.items()})
            if old
            else Evaluation(dict(levers))
        )
    evals[START] = Evaluation(plan.start_levers())
    while True:
        groups: dict[tuple[int, int], dict[int, Evaluation]] = {}
        for cid, ev in evals.items():
            n = ev.replications() if ev.values else 0
            if ev.error is not None or n >= most or (n >= least and _precise(plan, ev)):
                continue
            target = min(most, max(least, 2 * n))
            groups.setdefault((n, target), {})[cid] = ev
        if not groups:
            return evals
        for (n, target), group in groups.items():
            evaluate(plan, executor, group, n, target - n)
