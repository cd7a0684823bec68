"""`fenliu estimate-exits`: rates measured from rosters the model itself wrote recover the model's rates.

The model runs a scenario with known age- and sex-specific death and quit hazards; its payroll at two
months (`fenliu roster --month`, with the leavers' reasons and dates) is fed back. Exits per person-year
in each age band and sex must contain the true hazard within their exact Poisson (Garwood) interval as
often as that interval promises: for a cell with expected count μ the interval covers the truth with
probability Σ_k Poisson(k; μ) 1[truth ∈ CI(k)] (≥ 95%, more for small μ), and over many seeds and cells
the number covered must match the sum of those probabilities within 3 standard deviations.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, poisson

import sim
from sim.cli.main import main
from sim.estimate.exits.snapshots import read_snapshot
from sim.experiment.roster_at import roster_at, write_frame
from sim.scenario import with_overrides
from sim.scenario.schema import Scenario, parse_month

# true annual hazards: (age_min, age_max, sex, death, quit); the estimator's bands cut at 40 and 50
TRUE = [
    (0, 40, "male", 0.01, 0.10),
    (40, 50, "male", 0.02, 0.05),
    (50, 120, "male", 0.04, 0.02),
    (0, 40, "female", 0.005, 0.15),
    (40, 50, "female", 0.01, 0.08),
    (50, 120, "female", 0.03, 0.03),
]
BANDS = {(0, 40): "<40", (40, 50): "40-50", (50, 120): "50+"}
SCENARIO = {
    "population.synthetic.townships": 4,
    "reform.enabled": False,
    "money.counterfactual": False,
    "attrition.age_bands": [
        {"age_min": lo, "age_max": hi, "sex": sex, "death_rate": d, "quit_rate": q} for lo, hi, sex, d, q in TRUE
    ],
}
MONTHS = (0, 24)


def _scenario() -> Scenario:
    return with_overrides(Scenario(), SCENARIO)


def _snapshots(scenario: Scenario, population: sim.Population, rep: int, folder: Path) -> list[Path]:
    paths = []
    for month in MONTHS:
        path = folder / f"r{rep}-{month}.csv"
        write_frame(roster_at(scenario, population, 7, month, rep, exits=True), path)
        paths.append(path)
    return paths


def _garwood_covers(mu: float, rate: float, exposure: float, level: float = 0.95) -> float:
    """P(truth inside the exact interval) when the count is Poisson(μ) and exposure is fixed."""
    k = np.arange(int(mu + 12 * math.sqrt(mu) + 20))
    low = np.where(k > 0, chi2.ppf((1 - level) / 2, 2 * np.maximum(k, 1)) / 2, 0.0) / exposure
    high = chi2.ppf(1 - (1 - level) / 2, 2 * k + 2) / 2 / exposure
    return float((poisson.pmf(k, mu) * ((low <= rate) & (rate <= high))).sum())


def test_rates_from_the_model_s_own_rosters_cover_the_true_rates(tmp_path: Path) -> None:
    scenario = _scenario()
    population = sim.build_population(scenario, 7)
    start = scenario.time.start_abs
    covered, expected, variance, cells = 0, 0.0, 0.0, 0
    squared, model_covered = {"observed": 0.0, "model": 0.0}, 0
    for rep in range(30):
        paths = _snapshots(scenario, population, rep, tmp_path)
        snaps = [read_snapshot(p, start + m) for p, m in zip(paths, MONTHS, strict=True)]
        est = sim.estimate_exits(snaps, age_bands=[40, 50], scenario=scenario)
        table = est.rates[est.rates["dimension"] == "age_band×sex"].set_index(["cause", "age_band", "sex"])
        for lo, hi, sex, death, quit in TRUE:
            for cause, truth in (("died", death), ("quit", quit)):
                row = table.loc[(cause, BANDS[lo, hi], sex)]
                p = _garwood_covers(truth * row["exposure_years"], truth, row["exposure_years"])
                covered += row["ci_low"] <= truth <= row["ci_high"]
                if cause == "died":  # few deaths per cell: the Poisson model pools them across cells
                    squared["observed"] += (row["rate"] - truth) ** 2
                    squared["model"] += (row["model_rate"] - truth) ** 2
                    model_covered += row["model_low"] <= truth <= row["model_high"]
                expected += p
                variance += p * (1 - p)
                cells += 1
        assert (est.exits["outcome"] == "unexplained").sum() == 0  # every leaver has a reason on the roster
    print(f"covered {covered} of {cells} cells; the exact intervals promise {expected:.1f} ± {math.sqrt(variance):.1f}")
    assert abs(covered - expected) <= 3 * math.sqrt(variance) + 1, (covered, expected, cells)
    assert covered / cells >= 0.93
    # where cells are thin the model's rates are nearer the truth than the cells' own, and its intervals
    # (nearly right here: the true rates are close to age effect × sex effect) still hold the truth
    print(
        f"deaths: squared error observed {squared['observed']:.2e}, model {squared['model']:.2e}; "
        f"model intervals cover {model_covered} of {cells // 2}"
    )
    assert squared["model"] < 0.8 * squared["observed"]
    assert model_covered >= 0.85 * cells / 2


def test_cli_round_trip_and_the_fragment_drives_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`fenliu roster --month` twice, `fenliu estimate-exits`, then `fenliu validate` of the fragment."""
    scen = tmp_path / "known.toml"
    lines = [
        "[population.synthetic]",
        "townships = 4",
        "[reform]",
        "enabled = false",
        "[money]",
        "counterfactual = false",
    ]
    for lo, hi, sex, d, q in TRUE:
        lines += ["[[attrition.age_bands]]", f"age_min = {lo}", f"age_max = {hi}", f'sex = "{sex}"']
        lines += [f"death_rate = {d}", f"quit_rate = {q}"]
    scen.write_text("\n".join(lines) + "\n", encoding="utf-8")
    a, b = tmp_path / "a.csv", tmp_path / "b.xlsx"
    assert main(["roster", str(scen), "--out", str(a), "--month", "0", "--seed", "7"]) == 0
    assert main(["roster", str(scen), "--out", str(b), "--month", "36", "--seed", "7"]) == 0  # no reasons
    out = tmp_path / "est"
    code = main(
        ["estimate-exits", str(a), str(b), "--dates", "2005-01,2008-01", "--out", str(out)]
        + ["--scenario", str(scen), "--age-bands", "40,50"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "retirements against the statutory rule" in text
    rates = pd.read_parquet(out / "rates.parquet")
    assert (pd.read_csv(out / "rates.csv")["events"] == rates["events"]).all()
    every = rates[(rates["dimension"] == "all")].set_index("cause")
    # nobody's reason is on the later roster: every leaver is unexplained, and the model's quit takes those
    # who vanished before their statutory age
    assert every.loc["left", "events"] == 0 and every.loc["unexplained", "events"] > 50
    assert every.loc["quit", "events"] + every.loc["died", "events"] <= every.loc["unexplained", "events"]
    retire = pd.read_csv(out / "retirement.csv").set_index(["sex", "status"])
    # without reasons, the people who reached the statutory age and vanished are counted apart
    assert retire.loc[("all", "all"), "unexplained_past_statutory"] > 0
    assert retire.loc[("all", "all"), "stayed_past_statutory"] == 0  # the model retires everyone on time
    fragment = out / "exit_rates.toml"
    data = tomllib.loads(fragment.read_text(encoding="utf-8"))
    assert data["extends"] == "../known.toml" and len(data["attrition"]["age_bands"]) == 6
    loaded = sim.load_scenario(fragment)
    assert loaded.population.synthetic.townships == 4  # from the scenario it extends
    men_young = next(b for b in loaded.attrition.age_bands if b.sex == "male" and b.age_max == 40)
    # the quit estimate also holds the deaths' share of disappearances: between the quit and total hazards
    assert 0.06 < men_young.quit_rate < 0.16
    assert main(["validate", str(fragment)]) == 0


def test_dated_retirements_match_the_statutory_rule(tmp_path: Path) -> None:
    scenario = _scenario()
    population = sim.build_population(scenario, 7)
    paths = _snapshots(scenario, population, 0, tmp_path)
    est = sim.estimate_exits(paths, dates=["2005-01", "2007-01"], scenario=scenario)
    total = est.retirement.set_index(["sex", "status"]).loc[("all", "all")]
    assert total["retired"] > 0 and total["retired_early"] == 0 and total["stayed_past_statutory"] == 0
    assert total["retired"] <= total["due_by_rule"]  # some who were due died or quit first
    # the same rosters judged by a rule five years earlier: everyone retires "late"
    earlier = with_overrides(
        scenario, {"attrition.retirement_age_male": 55, "attrition.retirement_age_female_cadre": 50}
    )
    judged = sim.estimate_exits(paths, dates="2005-01,2007-01", scenario=earlier).retirement
    men = judged[(judged["sex"] == "male")]["stayed_past_statutory"].sum()
    assert men > 10


def _roster(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    scenario = _scenario()
    population = sim.build_population(scenario, 7)
    return (
        roster_at(scenario, population, 7, 0, 0, exits=True).astype(str),
        roster_at(scenario, population, 7, 12, 0, exits=True).astype(str),
    )


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(["estimate-exits", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_bad_input_exits_2_naming_file_and_rows(tmp_path: Path, pair, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = pair
    a, b = _roster(tmp_path, "a.csv", first), _roster(tmp_path, "b.csv", second)
    out = ["--out", str(tmp_path / "out")]
    # dates out of order
    err = _fails(capsys, [str(a), str(b), "--dates", "2006-01,2005-01", *out])
    assert "increasing order" in err
    # rosters swapped (the dates in order): entries after the earlier date are named with their rows
    err = _fails(capsys, [str(b), str(a), "--dates", "2005-01,2006-01", *out])
    assert str(b) in err and "row " in err and "oldest first" in err
    # a duplicate id
    dup = second.copy()
    dup.loc[5, "id"] = dup.loc[3, "id"]
    err = _fails(capsys, [str(a), str(_roster(tmp_path, "dup.csv", dup)), "--dates", "2005-01,2006-01", *out])
    assert "dup.csv" in err and "row 7" in err and "duplicate id" in err
    # no overlap
    other = second.assign(id="X" + second["id"])
    err = _fails(capsys, [str(a), str(_roster(tmp_path, "other.csv", other)), "--dates", "2005-01,2006-01", *out])
    assert "other.csv" in err and "no id" in err
    # a missing column
    err = _fails(
        capsys,
        [str(a), str(_roster(tmp_path, "nosex.csv", second.drop(columns="sex"))), "--dates", "2005-01,2006-01", *out],
    )
    assert "nosex.csv" in err and "sex" in err
    # an exit reason nobody knows
    odd = second.copy()
    odd.loc[2, "exit_reason"] = "abducted"
    err = _fails(capsys, [str(a), str(_roster(tmp_path, "odd.csv", odd)), "--dates", "2005-01,2006-01", *out])
    assert "odd.csv" in err and "row 4" in err and "abducted" in err
    # wrong number of dates
    assert "expected 2 months" in _fails(capsys, [str(a), str(b), "--dates", "2005-01", *out])
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_changes_and_entries_are_reported(tmp_path: Path, pair) -> None:
    first, second = pair
    later = second.copy()
    on = later.index[later["exit_reason"] == ""]
    later.loc[on[0], "township"] = "Elsewhere"
    later.loc[on[1], "sector"] = "admin" if later.loc[on[1], "sector"] != "admin" else "institution"
    a, b = _roster(tmp_path, "a.csv", first), _roster(tmp_path, "b.csv", later)
    est = sim.estimate_exits([a, b], dates="2005-01,2006-01")
    fields = est.changes.set_index("id")["field"]
    assert fields[later.loc[on[0], "id"]] == "township" and fields[later.loc[on[1], "id"]] == "sector"
    start = parse_month("2005-01")
    hired = later[(later["exit_reason"] == "") & ~later["id"].isin(first["id"])]
    assert set(est.entries["id"]) == set(hired["id"]) and len(hired) > 0
    assert (est.entries["entry_date"] > "2005-01").all()
    del start
