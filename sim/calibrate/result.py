"""The outcome of a calibration: fitted values, loss, residuals, history, and the calibrated scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibrate.fit import Free
from sim.calibrate.implied import Implied
from sim.calibrate.targets import Plausible
from sim.calibrate.writer import write_calibrated
from sim.errors import InputError
from sim.scenario.loader import with_overrides
from sim.scenario.schema import Scenario


@dataclass
class Calibration:
    """What `sim.calibrate` found.

    `values` are the fitted values (as written), `residuals` one row per target at those
    values (simulated mean, its SE, residual, residual/tolerance, within tolerance), `history`
    one row per evaluation. `scenario` is the calibrated scenario; `write(path)` saves it as a
    TOML file that extends the original.
    """

    base: Scenario
    free: list[Free]
    values: dict[str, float | int]
    start_values: dict[str, float | int]
    loss: float
    start_loss: float
    residuals: pd.DataFrame
    history: pd.DataFrame
    evaluations: int
    seconds: float
    date: str
    seed: int
    replications: int
    design: str
    method: str
    targets_name: str
    scenario_path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    run_overrides: dict[str, Any] = field(default_factory=dict)
    implied: Implied | None = None
    plausible: Plausible = field(default_factory=Plausible)
    at_bound: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """What makes the fit doubtful: parameters at a bound, implied costs outside the plausible ranges."""
        implied = self.implied.problems(self.plausible) if self.implied is not None else []
        return [*self.at_bound, *implied]

    @property
    def plausible_fit(self) -> bool:
        """No parameter at a bound and the implied costs within their plausible ranges."""
        return not self.warnings

    @property
    def scenario(self) -> Scenario:
        """The calibrated scenario (the original with the fitted values)."""
        return with_overrides(self.base, self.values, origin="calibrated") if self.values else self.base

    @property
    def scenario_name(self) -> str:
        """The original scenario's name."""
        return self.base.name

    @property
    def description(self) -> str:
        """One line for the calibrated file."""
        text = self.base.description.rstrip(".")
        return f"{text}; calibrated to {self.targets_name}" if text else f"Calibrated to {self.targets_name}"

    @property
    def converged(self) -> bool:
        """Whether every fitted target is within its tolerance."""
        res = self.residuals
        if "role" in res:
            res = res[res["role"] == "fitted"]
        return bool(res["within"].all())

    def write(self, path: str | Path, extends: str | Path | None = None) -> Path:
        """Write the calibrated scenario as TOML extending `extends` (default: the original file)."""
        extends = extends or self.scenario_path
        if extends is None:
            raise InputError("the calibrated scenario extends a file: give `extends` (the scenario was not a file)")
        return write_calibrated(self, path, extends)

    def report(self) -> str:
        """A text report: fitted values, residuals, loss, evaluations and wall time."""
        lines = [
            f"calibration of {self.scenario_name} to {self.targets_name}: loss {self.loss:.4g} "
            f"(start {self.start_loss:.4g}), {self.evaluations} evaluations of {self.replications} replications "
            f"(seed {self.seed}), {self.seconds:.1f} s",
            "",
            "fitted values:",
        ]
        width = max((len(f.key) for f in self.free), default=0)
        for f in self.free:
            lines.append(
                f"  {f.key:<{width}}  {_fmt(self.values[f.key]):>10}   (start {_fmt(self.start_values[f.key])}, "
                f"bounds [{f.low:g}, {f.high:g}])"
            )
        if not self.free:
            lines.append("  (none: the scenario was only evaluated)")
        lines += ["", "residuals (simulated − target; only 'fitted' targets are in the loss):"]
        cols = ["target", "role", "sector", "metric", "value", "simulated", "se", "residual", "tolerance", "within"]
        table = self.residuals[[c for c in cols if c in self.residuals]]
        lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        lines += ["", *self.implied_lines()]
        return "\n".join(lines)

    def implied_lines(self) -> list[str]:
        """What the fitted parameter set implies in money, and the warnings, as text lines."""
        if self.implied is None:
            return ["implied costs: not computed (no reform in the scenario)"]
        i = self.implied
        (c_lo, c_hi), (p_lo, p_hi) = self.plausible.cost_per_diverted_months, self.plausible.one_time_vs_payroll
        lines = [
            "implied by the fitted values (mean over the fitting runs, up to the deadline):",
            f"  one-time cost {i.one_time_cost / 1e6:,.1f} M yuan (pension buy-ins {i.pension_buyin / 1e6:,.1f} M) "
            f"for {i.diverted:,.0f} people diverted",
            f"  per diverted person: {i.cost_per_diverted_months:.1f} months of the mean salary "
            f"(plausible {c_lo:g}–{c_hi:g})",
            f"  against a year's payroll ({i.yearly_payroll / 1e6:,.1f} M yuan): {i.one_time_vs_payroll:.2f} "
            f"(plausible {p_lo:g}–{p_hi:g})",
        ]
        warnings = self.warnings
        verdict = "DOUBTFUL" if warnings else "no fitted value at a bound; the implied costs are plausible"
        lines.append(f"plausibility: {verdict}")
        lines += [f"  - {w}" for w in warnings]
        return lines


def _fmt(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:.4g}"
