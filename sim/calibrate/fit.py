"""Fit free scenario parameters to target figures.

Every candidate point runs the same replications from the same seed (common random numbers),
so the loss is a deterministic function of the parameters and two points differ only by what
the parameters change. The search is a space-filling design (Sobol or Latin hypercube) in the
unit cube of the bounds, then a bounded local optimiser from scipy (Nelder–Mead, restarted with
a smaller simplex while it still improves, or Powell) from the best point, within a budget of
evaluations. The fitted values are rounded to four significant digits and evaluated once more,
so the reported residuals are exactly those of the file written.

Only targets with role "fitted" enter the loss. A point whose implied one-time cost (per person
diverted, or against a year's payroll; `sim.calibrate.implied`) lies outside the targets file's
plausible ranges pays a penalty that grows with the distance: the search prefers a fit a little
off target with plausible values to one on target with absurd ones.
"""

from __future__ import annotations

import difflib
import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.implied import Implied, implied_costs
from sim.calibrate.targets import Target, TargetsSpec
from sim.engine.model import COUNTERFACTUAL_COLUMNS
from sim.errors import InputError
from sim.experiment.run import run
from sim.scenario.loader import with_overrides
from sim.scenario.render import _dotted_keys
from sim.scenario.schema import Scenario

FAILED_LOSS = 1e12  # loss of a point whose figures are not numbers (e.g. nobody left in post)
SIGNIFICANT = 4


@dataclass(frozen=True)
class Free:
    """A free parameter resolved against the scenario: bounds, start and whether it is whole."""

    key: str
    low: float
    high: float
    start: float
    integer: bool

    def value(self, u: float) -> float | int:
        """The parameter value at unit coordinate u (whole numbers are rounded)."""
        v = self.low + min(max(u, 0.0), 1.0) * (self.high - self.low)
        return int(round(v)) if self.integer else float(v)

    def unit(self, v: float) -> float:
        """The unit coordinate of value v."""
        return (v - self.low) / (self.high - self.low)

    def rounded(self, v: float) -> float | int:
        """The value as written to the calibrated file: four significant digits, within the bounds."""
        if self.integer:
            return int(round(v))
        r = float(f"{v:.{SIGNIFICANT}g}")
        return min(max(r, self.low), self.high)


def _get(data: Any, key: str) -> Any:
    node = data
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(key)
    return node


def _has_key(scenario: Scenario, key: str) -> bool:
    try:
        _get(scenario.model_dump(mode="json"), key)
    except KeyError:
        return False
    return True


def resolve_free(
    scenario: Scenario, spec: TargetsSpec, keys: Mapping[str, tuple[float, float] | None] | None, source: str
) -> list[Free]:
    """The free parameters to fit: those of the targets file, or the `keys` chosen (with bounds or not)."""
    chosen: dict[str, tuple[float, float, float | None]] = {}
    if keys is None:
        chosen = {k: (p.low, p.high, p.start) for k, p in spec.free.items()}
    else:
        for key, bounds in keys.items():
            if bounds is not None:
                low, high = bounds
                start = spec.free[key].start if key in spec.free else None
                chosen[key] = (float(low), float(high), start)
            elif key in spec.free:
                p = spec.free[key]
                chosen[key] = (p.low, p.high, p.start)
            elif _has_key(scenario, key):
                raise InputError(
                    f"free key {key!r} has no bounds: add a table [free.{_quote(key)}] with low and high to the "
                    f"targets file, or give --free {key}=LOW,HIGH",
                    source=source,
                )
            else:  # an unknown key is reported as such below, not as a key without bounds
                chosen[key] = (0.0, 1.0, None)
    data = scenario.model_dump(mode="json")
    leaves = _dotted_keys(data)
    out = []
    for key, (low, high, start) in chosen.items():
        try:
            current = _get(data, key)
        except KeyError:
            close = difflib.get_close_matches(key, leaves, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see docs/scenario-reference.md)"
            raise InputError(f"free key {key!r} is not a key of the scenario{hint}", source=source) from None
        if current is None:
            raise InputError(
                f"free key {key!r} is unset in the scenario (it is not a number); set a number in the scenario "
                "file first, then calibrate it",
                source=source,
            )
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise InputError(
                f"free key {key!r} is not a number in the scenario (found {current!r}); only numbers can be fitted",
                source=source,
            )
        if not low < high:
            raise InputError(f"free key {key!r}: low ({low:g}) must be below high ({high:g})", source=source)
        begin = float(current) if start is None else float(start)
        if not low <= begin <= high:
            what = "start" if start is not None else "the scenario's value"
            raise InputError(
                f"free key {key!r}: bounds [{low:g}, {high:g}] exclude {what} {begin:g}; widen the bounds "
                "so that the search starts inside them",
                source=source,
            )
        integer = isinstance(current, int)
        for bound in (low, high):
            value = int(round(bound)) if integer else bound
            try:
                with_overrides(scenario, {key: value})
            except InputError as exc:
                raise InputError(
                    f"free key {key!r}: the bound {bound:g} is not a valid value of the key:\n  {exc}", source=source
                ) from None
        out.append(Free(key, float(low), float(high), begin, integer))
    return out


def _quote(key: str) -> str:
    return f'"{key}"'


def fitting_scenario(scenario: Scenario, spec: TargetsSpec) -> Scenario:
    """The scenario the fitting runs use: run_overrides, a horizon cut at the last month needed,
    and no counterfactual twin unless a target reads it. Neither cut changes the targeted months.
    """
    last = max(max(t.month, t.relative_to_month or 0) for t in spec.targets.values())
    needs = [last]
    if scenario.reform.enabled:
        needs.append(scenario.reform.deadline_month)
    needs.extend(c.first_month for c in scenario.pool.contributors)
    overrides: dict[str, Any] = {"time.horizon_months": max(1, *needs)}
    uses_twin = any(c in COUNTERFACTUAL_COLUMNS for t in spec.targets.values() for c in t.columns)
    if not uses_twin:
        overrides["money.counterfactual"] = False
    base = with_overrides(scenario, spec.run_overrides, origin="run_overrides") if spec.run_overrides else scenario
    if overrides["time.horizon_months"] >= base.time.horizon_months:
        overrides.pop("time.horizon_months")
    return with_overrides(base, overrides, origin="calibration speed-up") if overrides else base


def per_replication(monthly: pd.DataFrame, t: Target) -> pd.Series:
    """The target's figure in each replication (indexed by replication)."""
    cols = list(t.columns)
    at = monthly[monthly["month"] == t.month].set_index("replication")[cols].sum(axis=1, min_count=1)
    if t.relative_to_month is not None:
        ref = monthly[monthly["month"] == t.relative_to_month].set_index("replication")[cols].sum(axis=1, min_count=1)
        at = at / ref - 1.0
    return at.astype(float)


def target_figures(monthly: pd.DataFrame, targets: Mapping[str, Target]) -> pd.DataFrame:
    """Per target: the simulated figure's mean over replications and its standard error."""
    rows = []
    for name, t in targets.items():
        per_rep = per_replication(monthly, t)
        mean = float(per_rep.mean())
        se = float(per_rep.std(ddof=1) / math.sqrt(len(per_rep))) if len(per_rep) > 1 else math.nan
        residual = mean - t.value
        rows.append(
            {
                "target": name,
                "metric": t.describe(),
                "value": t.value,
                "simulated": mean,
                "se": se,
                "residual": residual,
                "tolerance": t.tolerance,
                "scaled": residual / t.tolerance,
                "weight": t.weight,
                "within": bool(abs(residual) <= t.tolerance),
                "role": t.role,
                "sector": t.population,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def loss_of(figures: pd.DataFrame) -> float:
    """Sum over the fitted targets of weight × (residual / tolerance)²; a missing figure gives FAILED_LOSS.

    Targets with role "input" or "held_out" are reported beside the fit and never enter it.
    """
    if "role" in figures:
        figures = figures[figures["role"] == "fitted"]
    terms = figures["weight"] * figures["scaled"] ** 2
    return float(terms.sum()) if np.isfinite(terms).all() else FAILED_LOSS


class _OutOfBudget(Exception):
    pass


@dataclass
class Search:
    """The state of one calibration search: the cache of evaluated points and the history."""

    scenario: Scenario
    spec: TargetsSpec
    free: list[Free]
    budget: int
    replications: int
    seed: int
    progress: Callable[[str], None] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[tuple[Any, ...], tuple[float, pd.DataFrame]] = field(default_factory=dict)
    implied: dict[tuple[Any, ...], Implied | None] = field(default_factory=dict)
    phase: str = "start"

    def values_at(self, u: np.ndarray) -> dict[str, float | int]:
        """The parameter values at unit coordinates u."""
        return {f.key: f.value(float(x)) for f, x in zip(self.free, u, strict=True)}

    def evaluate(self, values: Mapping[str, float | int], force: bool = False) -> tuple[float, pd.DataFrame]:
        """Loss and figures at `values` (cached); raises _OutOfBudget when the budget is spent."""
        key = tuple(values[f.key] for f in self.free)
        if key in self.cache:
            return self.cache[key]
        if len(self.cache) >= self.budget and not force:
            raise _OutOfBudget
        t0 = time.perf_counter()
        try:
            scn = with_overrides(self.scenario, dict(values), origin="calibrate") if values else self.scenario
        except InputError:
            # each bound is valid alone (checked up front), but a rule spanning keys may refuse this
            # combination (e.g. college share above secondary share): such a point is simply infeasible
            scn = None
        implied: Implied | None = None
        if scn is None:
            figures = target_figures(self._empty(), self.spec.targets)
        else:
            results = run(scn, replications=self.replications, seed=self.seed, events=False)
            figures = target_figures(results.monthly, self.spec.targets)
            if scn.reform.enabled:
                implied = implied_costs(results.monthly, scn.reform.month, scn.reform.deadline_month)
        penalty = implied.penalty(self.spec.plausible) if implied is not None else 0.0
        loss = loss_of(figures) + penalty
        self.cache[key] = (loss, figures)
        self.implied[key] = implied
        best = min(h["loss"] for h in self.history) if self.history else loss
        best = min(best, loss)
        self.history.append(
            {
                "evaluation": len(self.cache),
                "phase": self.phase,
                **dict(values),
                "loss": loss,
                "implausibility_penalty": penalty,
                **{f"sim:{r.target}": r.simulated for r in figures.itertuples()},
                **({f"implied:{k}": v for k, v in implied.as_dict().items()} if implied is not None else {}),
                "seconds": time.perf_counter() - t0,
            }
        )
        if self.progress is not None:
            shown = ", ".join(f"{'.'.join(k.split('.')[-2:])}={_fmt(v)}" for k, v in values.items())
            self.progress(
                f"[{len(self.cache):>3}/{self.budget}] {self.phase:<8} loss {loss:10.4g} (best {best:.4g})  {shown}"
            )
        return loss, figures

    def _empty(self) -> pd.DataFrame:
        """A monthly table of NaNs for the targets' columns and months (an infeasible point)."""
        cols = sorted({c for t in self.spec.targets.values() for c in t.columns})
        months = sorted(
            {m for t in self.spec.targets.values() for m in (t.month, t.relative_to_month) if m is not None}
        )
        rows = [{"replication": 0, "month": m, **dict.fromkeys(cols, np.nan)} for m in months]
        return pd.DataFrame(rows)

    def objective(self, u: np.ndarray) -> float:
        """The loss at unit coordinates u (the optimiser's function)."""
        return self.evaluate(self.values_at(np.clip(u, 0.0, 1.0)))[0]

    def best(self) -> tuple[dict[str, float | int], float]:
        """The best point evaluated so far and its loss."""
        key, (loss, _) = min(self.cache.items(), key=lambda kv: kv[1][0])
        return {f.key: v for f, v in zip(self.free, key, strict=True)}, loss


def _fmt(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:.4g}"


def design_points(kind: str, d: int, n: int, seed: int) -> np.ndarray:
    """`n` points of a scrambled Sobol sequence or a Latin hypercube in [0, 1]^d."""
    if n <= 0 or d == 0:
        return np.zeros((0, d))
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    if kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=rng).random(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance properties need 2^m points; any n is fine here
        return qmc.Sobol(d=d, scramble=True, rng=rng).random(n)


def _simplex(x0: np.ndarray, step: float) -> np.ndarray:
    """An initial simplex around x0 inside the unit cube: one step along each axis, inwards."""
    d = len(x0)
    simplex = np.tile(x0, (d + 1, 1))
    for i in range(d):
        simplex[i + 1, i] += step if x0[i] + step <= 1.0 else -step
    return simplex


def search(s: Search, design: str, n_design: int, method: str) -> None:
    """Run the design, then the local optimiser, until the budget is spent or it converges."""
    from scipy.optimize import minimize

    d = len(s.free)
    reserve = 1  # the final evaluation at the rounded values
    s.budget = max(s.budget - reserve, 1)
    try:
        s.phase = "start"
        s.evaluate({f.key: f.value(f.unit(f.start)) for f in s.free})
        if d == 0:
            return
        s.phase = "design"
        for u in design_points(design, d, n_design, s.seed):
            s.objective(u)
        s.phase = "local"
        best, best_loss = s.best()
        x0 = np.array([f.unit(best[f.key]) for f in s.free])
        if method == "powell":
            minimize(
                s.objective,
                x0,
                method="Powell",
                bounds=[(0.0, 1.0)] * d,
                options={"maxfev": s.budget, "xtol": 1e-3, "ftol": 1e-6},
            )
            return
        step = 0.15
        while step >= 0.02:
            minimize(
                s.objective,
                x0,
                method="Nelder-Mead",
                bounds=[(0.0, 1.0)] * d,
                options={"maxfev": s.budget, "initial_simplex": _simplex(x0, step), "xatol": 2e-3, "fatol": 1e-6},
            )
            best, loss = s.best()
            if loss >= best_loss - 1e-9:
                step /= 2  # converged on a plateau of the step-wise CRN loss: look closer
            best_loss = loss
            x0 = np.array([f.unit(best[f.key]) for f in s.free])
    except _OutOfBudget:
        pass
    finally:
        s.budget += reserve
