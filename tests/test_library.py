"""The scenario library: every file validates and runs, `fenliu scenarios` lists them, each shows its
point, and the calibrated scenarios reproduce the source documents' figures in a fresh run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.calibrate import load_targets
from sim.calibrate.fit import fitting_scenario, target_figures
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "scenarios"
FILES = sorted(p.name for p in LIBRARY.glob("*.toml"))
EXPECTED = {
    "base.toml",
    "no_reform.toml",
    "suzhou_seven_channels.toml",
    "suzhou_seven_channels_calibrated.toml",
    "hengyang_township_classes.toml",
    "hengyang_township_classes_calibrated.toml",
    "hanshou_funding.toml",
    "soft_landing.toml",
    "rotating_shifts.toml",
    "lax_enforcement.toml",
    "strict_enforcement.toml",
}
# Smoke runs: fewer townships (the scenarios' points are shares and shapes, not the city's size), two
# replications, the full horizon (the rebound scenarios need it).
SMALL = {"population.synthetic.townships": 12, "money.counterfactual": False}


def monthly_mean(name: str, overrides: dict | None = None, replications: int = 2, seed: int = 1) -> pd.DataFrame:
    scenario = sim.load_scenario(LIBRARY / name, {**SMALL, **(overrides or {})})
    return sim.run(scenario, replications=replications, seed=seed).monthly.groupby("month").mean()


def test_the_library_holds_the_issue_s_scenarios() -> None:
    assert EXPECTED <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_every_scenario_validates_runs_and_conserves_people(name: str) -> None:
    scenario = sim.load_scenario(LIBRARY / name)
    assert scenario.description, f"{name} needs a one-line description"
    m = monthly_mean(name)
    states = m[[c for c in m.columns if c.startswith("state_")]].sum(axis=1)
    hired = m["hires_cumulative"] - m["hires_cumulative"].iloc[0]
    assert (states - hired).round(6).nunique() == 1, "people created or lost"
    assert len(m) == scenario.time.horizon_months + 1


def test_fenliu_scenarios_lists_every_file_with_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--dir", str(LIBRARY)]) == 0
    out = capsys.readouterr().out
    for name in FILES:
        line = next(row for row in out.splitlines() if row.strip().startswith(name))
        assert sim.load_scenario(LIBRARY / name).description in line


def test_fenliu_scenarios_flags_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.toml").write_text('name = "ok"\ndescription = "fine"\n', "utf-8")
    (tmp_path / "bad.toml").write_text("[reform]\ncut_admin = 2.0\n", "utf-8")
    assert main(["scenarios", "--dir", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "ok.toml" in out and "fine" in out and "INVALID" in out


# ----- each scenario's point ----------------------------------------------------------------
def test_no_reform_keeps_establishment_and_replaces_leavers() -> None:
    m = monthly_mean("no_reform.toml")
    assert m["establishment_total"].nunique() == 1
    assert m[[c for c in m.columns if c.startswith("diverted_")]].to_numpy().sum() == 0
    assert m["headcount_total"].iloc[-1] > 0.97 * m["headcount_total"].iloc[0]


def test_lax_enforcement_rebounds_and_strict_does_not() -> None:
    lax = monthly_mean("lax_enforcement.toml")
    strict = monthly_mean("strict_enforcement.toml")
    assert lax["overquota_hires_cumulative"].iloc[-1] > 3 * strict["overquota_hires_cumulative"].iloc[-1]
    assert lax["returned_cumulative"].iloc[-1] > strict["returned_cumulative"].iloc[-1]
    # the rebound is re-growth (not the unfinished drive): a tenth of the cut and more has grown back under
    # lax enforcement, many times strict's
    assert lax["regrowth_share"].iloc[-1] > 0.1
    assert lax["regrowth"].iloc[-1] > 10 * strict["regrowth"].iloc[-1]
    assert strict["headcount_total"].iloc[-1] < lax["headcount_total"].iloc[-1]


def test_hanshou_raises_its_six_million_by_the_deadline_and_runs_out() -> None:
    """范文2: Hanshou raised just over 6 million yuan for a drive to be done by year-end (month 23):
    in every replication all 6.2 million is in by the deadline (late parts included), none after,
    and still people wait for money at the deadline (the money is spent)."""
    scn = sim.load_scenario(LIBRARY / "hanshou_funding.toml", {**SMALL, "population.synthetic.townships": 24})
    monthly = sim.run(scn, replications=4, seed=1).monthly
    deadline = scn.reform.deadline_month
    by_rep = monthly.pivot(index="replication", columns="month", values="pool_contributed_cumulative")
    assert by_rep[deadline].tolist() == pytest.approx([6.2e6] * len(by_rep))
    assert (by_rep[scn.time.horizon_months] == by_rep[deadline]).all()
    assert (by_rep[deadline - 6] < 6.2e6).any()  # late parts really come late, within the deadline
    at_deadline = monthly[monthly["month"] == deadline]
    assert (at_deadline["pool_waiting"] > 0).all() and (at_deadline["pool_dry"] == 1).all()
    assert (at_deadline["pool_paid_cumulative"] <= at_deadline["pool_contributed_cumulative"] + 1e-6).all()


def test_soft_landing_lands_the_organs_by_attrition() -> None:
    m = monthly_mean("soft_landing.toml")
    reform = sim.load_scenario(LIBRARY / "soft_landing.toml").reform.month
    est = m["establishment_admin"].iloc[-1]
    assert m.loc[reform, "headcount_admin"] > est  # the organs' surplus stays on the payroll
    yearly = m["headcount_admin"].loc[reform::12]
    above = yearly[yearly > est * 1.01]
    assert (above.diff().dropna() < 0).all()  # only exit, no entry: year by year down towards the target
    assert m["headcount_admin"].iloc[-1] <= est * 1.01
    ratio = m["establishment_institution"].iloc[-1] / m["establishment_admin"].iloc[-1]
    assert ratio == pytest.approx(1.1, abs=0.02)


def test_rotating_shifts_count_as_diverted_but_stay_on_the_payroll() -> None:
    overrides = {"population.synthetic.townships": 30, "time.horizon_months": 40}
    honest = monthly_mean("hengyang_township_classes_calibrated.toml", overrides)
    fake = monthly_mean("rotating_shifts.toml", overrides)
    month = 28
    channels = [c for c in honest.columns if c.startswith("diverted_")]
    reported = {
        k: m.loc[month, channels].sum() + m.loc[month, "state_rotating"] for k, m in (("h", honest), ("f", fake))
    }
    assert fake.loc[month, "state_awaiting"] == 0 and fake.loc[month, "state_rotating"] > 0
    assert reported["f"] > reported["h"]
    assert fake.loc[month, "headcount_total"] >= honest.loc[month, "headcount_total"] - 1


# ----- calibrated scenarios reproduce their fit in a fresh run ------------------------------
# The calibrated file records, for every target, the simulated mean at the fitted values (its header,
# written by `fenliu calibrate`). A fresh run on a seed the calibration never saw (another population,
# other draws) must give the fitted figures back within the bands of issue 7 — 1.0 year for a mean age,
# 3 percentage points for shares and relative changes, 10% for counts — whether or not the fit reached the
# source value: what is checked is that the fit is a property of the parameters, not of the seed. Whether
# each figure meets its source (fitted, input or held out) is docs/validation.md's table.
FRESH_SEED = 1
RECORD = re.compile(r"^#\s+(\w+)\s+\[(\w+), \w+\] .*?: (-?[0-9.e+-]+) ± ", re.M)


def _band(name: str, value: float) -> float:
    if "age" in name:
        return 1.0
    return 0.03 if abs(value) < 1.5 else 0.10 * abs(value)


@pytest.mark.parametrize(
    ("targets", "scenario"),
    [("suzhou", "suzhou_seven_channels_calibrated"), ("hengyang", "hengyang_township_classes_calibrated")],
)
def test_calibrated_scenario_reproduces_its_fit_in_a_fresh_run(targets: str, scenario: str) -> None:
    spec = load_targets(LIBRARY / "targets" / f"{targets}.toml")
    text = (LIBRARY / f"{scenario}.toml").read_text("utf-8")
    recorded = {name: (role, float(value)) for name, role, value in RECORD.findall(text)}
    assert set(recorded) == set(spec.targets), "the calibrated file must record every target of its targets file"
    assert "plausibility:" in text, "the calibrated file must record the plausibility of its fit"
    calibrated = sim.load_scenario(LIBRARY / f"{scenario}.toml")
    fast = fitting_scenario(calibrated, spec)  # the horizon cut at the last target month: exact for those months
    results = sim.run(fast, replications=4, seed=FRESH_SEED)
    figures = target_figures(results.monthly, spec.targets).set_index("target")
    for name, (role, fitted) in recorded.items():
        if role != "fitted":
            continue
        row = figures.loc[name]
        band = _band(name, fitted)
        assert abs(row["simulated"] - fitted) <= band, f"{scenario}: {name} {row['simulated']:.4g} vs fit {fitted:.4g}"
        assert row["se"] < band / 3
