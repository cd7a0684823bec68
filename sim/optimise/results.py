"""The search's results: the confirmed Pareto table, all evaluated candidates, scenario exports, files.

`pareto.parquet` / `pareto.csv` hold one row per confirmed candidate (point 0, 1, ...) and the
starting scenario (point −1): the levers (columns named by their keys), each objective
(mean over replications) and each constraint estimate with its SE (`<name>_se`), the
violation (≤ 0: met), whether the SE reached its target (`<name>_within_error`), `feasible`,
`pareto` (on the confirmed feasible front, the start competing, or the least-violating when none is
feasible) and `chosen` (the feasible point best on the first objective, the start included: when no
candidate beats it, the start is chosen). `trials.parquet` holds every
candidate the search evaluated, with its search-phase estimates.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from optuna.trial import TrialState

from sim.errors import InputError
from sim.experiment.results import FORMAT_VERSION, versions
from sim.experiment.storage import atomic_write, write_json, write_parquet
from sim.optimise.confirm import START, fronts, minimised
from sim.optimise.plan import Evaluation, OptimisePlan
from sim.optimise.search import summarise
from sim.scenario.loader import scenario_hash
from sim.scenario.render import to_toml
from sim.spreadsheet_cells import neutralise_cell

PARETO = "pareto"
TRIALS = "trials"
MANIFEST = "manifest.json"


@dataclass
class OptimiseResult:
    """A finished search: `.pareto` (confirmed points and the start, point −1), `.trials`, `.status`."""

    plan: OptimisePlan
    pareto: pd.DataFrame
    trials: pd.DataFrame
    status: str  # "feasible" or "infeasible"
    timings: dict[str, float]

    @property
    def chosen(self) -> pd.Series | None:
        """The chosen point's row (None when nothing is feasible)."""
        rows = self.pareto[self.pareto["chosen"]]
        return None if rows.empty else rows.iloc[0]

    @property
    def start(self) -> pd.Series:
        """The starting scenario's row."""
        return self.pareto[self.pareto["point"] == -1].iloc[0]

    def levers_of(self, point: int) -> dict[str, Any]:
        """The lever values of point `point`."""
        rows = self.pareto[self.pareto["point"] == point]
        if rows.empty:
            points = ", ".join(str(p) for p in self.pareto["point"] if p >= 0)
            raise InputError(f"--export {point}: no such point (the points are {points or 'none'}; -1 is the start)")
        row = rows.iloc[0]
        out: dict[str, Any] = {}
        for key, lever in self.plan.spec.levers.items():
            value = row[key]
            if hasattr(value, "item"):
                value = value.item()
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out[key] = None  # unset in the base (e.g. unlimited places)
            else:
                out[key] = int(value) if lever.integer and lever.values is None else value
        return out

    def export(self, point: int, path: str | Path) -> Path:
        """Write point `point` as a standalone scenario file that `fenliu run` reproduces."""
        plan = self.plan
        row = self.pareto[self.pareto["point"] == point]
        levers = self.levers_of(point)
        replications = int(row.iloc[0]["replications"]) // len(plan.worlds)
        scenario = plan.scenario_of(levers).model_copy(deep=True)
        data = scenario.model_dump(mode="json")
        data["name"] = f"{plan.spec.name}-point{point}" if point >= 0 else f"{plan.spec.name}-start"
        data["run"] = {**data["run"], "seed": plan.seed, "replications": replications}
        text = to_toml(type(scenario).model_validate(data), with_sources=False)
        lines = [
            f"# Point {point} of the policy search {plan.spec.name!r} ({plan.source}), written by fenliu optimise.",
            f"# Levers: {json.dumps(levers, ensure_ascii=False)}",
            f"# Base: {plan.base_file or 'given in code'} with the spec's [set]; seed {plan.seed}, "
            f"{replications} replications as confirmed.",
        ]
        if len(plan.worlds) > 1:
            lines.append("# The search averaged over sampled worlds; this file holds the base world.")
        path = Path(path)
        body = "\n".join(lines) + "\n\n" + text

        def write(tmp: Path) -> None:
            tmp.write_text(body, "utf-8")

        atomic_write(path, write)
        return path


def trials_table(plan: OptimisePlan, study: optuna.Study) -> pd.DataFrame:
    """Every evaluated candidate with its search-phase estimates."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state not in (TrialState.COMPLETE, TrialState.FAIL):
            continue
        row = {"trial": t.number, "state": t.state.name.lower(), "engine": t.user_attrs.get("engine", "")}
        row.update({k: t.params.get(k) for k in plan.spec.levers})
        row.update(t.user_attrs.get("row", {}))
        row["error"] = t.user_attrs.get("error", "")
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_table(plan: OptimisePlan, confirmed: dict[int, Evaluation]) -> tuple[pd.DataFrame, str]:
    """The confirmed table (best first; the start last, point −1) and the status."""
    rows = {}
    for cid, ev in confirmed.items():
        if ev.error is not None or not ev.values:
            continue
        row: dict[str, Any] = {"trial": -1 if cid == START else cid, **ev.levers, **summarise(plan, ev)}
        rows[cid] = row
    candidates = {c: r for c, r in rows.items() if c != START}
    # the start competes: a candidate it dominates is not on the front, and when none beats it, it is chosen
    feasible = {c: minimised(plan, r) for c, r in rows.items() if r["feasible"]}
    status = "feasible" if set(feasible) - {START} else "infeasible"  # whether the search found a policy
    if status == "feasible":
        first = fronts(feasible)
        order = [c for front in first for c in front if c != START]
        order += sorted((c for c in candidates if c not in feasible), key=lambda c: rows[c]["violation"])
        on_front = set(first[0])
    else:  # the least-violating candidates; the start, if it meets the constraints, is then the only choice
        order = sorted(candidates, key=lambda c: (rows[c]["violation"], minimised(plan, rows[c])))
        on_front = set(order[: max(1, min(3, len(order)))]) | set(feasible)
    # best on the first objective; on a tie the start, which needs no change
    best = min(feasible, key=lambda c: (feasible[c][0], c != START)) if feasible else None
    out = []
    for point, cid in enumerate(order):
        out.append({"point": point, "pareto": cid in on_front, "chosen": cid == best, **rows[cid]})
    if START in rows:
        out.append({"point": -1, "pareto": START in on_front, "chosen": best == START, **rows[START]})
    frame = pd.DataFrame(out)
    frame["engine"] = "des"
    return frame, status


def _csv(frame: pd.DataFrame, path: Path) -> None:
    safe = frame.map(neutralise_cell) if len(frame) else frame
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, float_format="%.6g"))


def save(result: OptimiseResult) -> Path:
    """Write pareto.parquet/csv, trials.parquet/csv and manifest.json into the plan's folder."""
    plan, out = result.plan, result.plan.out
    for name, frame in ((PARETO, result.pareto), (TRIALS, result.trials)):
        write_parquet(frame, out / f"{name}.parquet")
        _csv(frame, out / f"{name}.csv")
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "optimise",
        "name": plan.spec.name,
        "description": plan.spec.description,
        "spec_file": plan.source,
        "spec": plan.spec.model_dump(mode="json"),
        "spec_sha256": plan.spec.fingerprint(),
        "base_file": plan.base_file,
        "base_scenario": plan.base.model_dump(mode="json"),
        "base_scenario_sha256": scenario_hash(plan.base),
        "seed": plan.seed,
        "worlds": plan.worlds,
        "status": result.status,
        "constraints": {n: c.statement() for n, c in plan.spec.constraints.items()},
        "objectives": {n: f"{o.sense} mean of {o.label()}" for n, o in plan.spec.objectives.items()},
        "seeds": f"common random numbers: every candidate runs replications 0..n-1 from seed {plan.seed}",
        "timings": result.timings,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {**versions(), "optuna": optuna.__version__},
    }
    write_json(manifest, out / MANIFEST)
    return out


def load_result(plan: OptimisePlan) -> OptimiseResult:
    """A finished search read back from its folder (InputError if it has not finished there)."""
    path = plan.out / f"{PARETO}.parquet"
    if not path.is_file():
        raise InputError(f"--out {str(plan.out)!r} holds no finished search (no {path.name}); run the search first")
    try:
        manifest = json.loads((plan.out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {plan.out / MANIFEST}: {exc}") from None
    if manifest.get("spec_sha256") != plan.spec.fingerprint():
        raise InputError(f"--out {str(plan.out)!r} holds a search of a different spec; export from its own spec")
    trials = pd.read_parquet(plan.out / f"{TRIALS}.parquet")
    return OptimiseResult(plan, pd.read_parquet(path), trials, manifest["status"], manifest.get("timings", {}))
