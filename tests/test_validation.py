"""Validation a reviewer can trust: roles and populations of the source figures, implied costs, the table.

What is checked is meaning: Suzhou's age and education are compared on the organs' staff, every
sourced scenario holds out at least one figure that nothing was sized or fitted to, a fit that
ends at a bound or implies absurd costs is called doubtful, and the checked-in table is the one
the current code and scenarios produce.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibrate.implied import at_bounds, implied_costs
from sim.calibrate.targets import Plausible, load_targets, parse_targets
from sim.errors import InputError
from sim.scenario.schema import CHANNEL_IDS
from sim.validation import fingerprint, source_figures, targets_files
from sim.validation.document import FINGERPRINT

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "scenarios" / "targets"


def test_the_checked_in_validation_table_is_current() -> None:
    text = (ROOT / "docs" / "validation.md").read_text("utf-8")
    found = FINGERPRINT.search(text)
    assert found, "docs/validation.md has no fingerprint: run `fenliu validate-model`"
    assert found.group(1) == fingerprint(ROOT), (
        "docs/validation.md is stale (the scenarios, targets or model code changed): run `fenliu validate-model`"
    )


def test_suzhou_age_and_education_are_read_on_the_organs_staff() -> None:
    spec = load_targets(TARGETS / "suzhou.toml")
    for name in ("age_before", "age_after", "share_before", "share_after"):
        target = spec.targets[name]
        assert target.population == "admin"
        assert all(c.endswith("_admin") for c in target.columns), target.columns


def test_every_sourced_scenario_holds_out_a_figure_and_fits_only_what_it_says() -> None:
    files = targets_files(TARGETS)
    assert {p.stem for p in files} >= {"suzhou", "hengyang", "hanshou", "soft_landing"}
    for path in files:
        spec = load_targets(path)
        roles = {t.role for t in spec.targets.values()}
        assert "held_out" in roles, f"{path.name} holds out no figure"
        assert all(p.evidence for p in spec.free.values()), f"{path.name}: a free parameter without evidence"
        if spec.free:
            assert spec.fitted, f"{path.name} frees parameters but fits nothing"


def test_a_target_on_the_wrong_population_is_refused() -> None:
    with pytest.raises(InputError, match="administrative organs"):
        parse_targets(
            {"targets": {"a": {"metric": "mean_age_admin", "sector": "all", "month": 1, "value": 40, "tolerance": 1}}}
        )


def test_held_out_and_input_figures_stay_out_of_the_loss() -> None:
    from sim.calibrate.fit import loss_of

    figures = pd.DataFrame(
        {"weight": [1.0, 1.0, 1.0], "scaled": [2.0, 10.0, 30.0], "role": ["fitted", "held_out", "input"]}
    )
    assert loss_of(figures) == pytest.approx(4.0)


def _monthly() -> pd.DataFrame:
    """Two replications, months 0-3, reform at month 1, deadline at month 2 (hand-checkable figures)."""
    rows = []
    for rep, (sev, buy) in enumerate(((1000.0, 500.0), (3000.0, 1500.0))):
        for month in range(4):
            row = {
                "replication": rep,
                "month": month,
                "cost_severance": sev if month == 2 else (99.0 if month == 3 else 0.0),
                "cost_pension_buyin": buy if month == 1 else 0.0,
                "cost_placement_subsidy": 0.0,
                "cost_salary_in_post": 10 * 100.0,
                "headcount_total": 10,
            }
            row.update({f"diverted_{c}": 0 for c in CHANNEL_IDS})
            row["diverted_resignation"] = 2 if month >= 2 else 0
            rows.append(row)
    return pd.DataFrame(rows)


def test_implied_costs_by_hand() -> None:
    implied = implied_costs(_monthly(), reform_month=1, deadline_month=2)
    # one-time up to the deadline: (1000 + 500 + 3000 + 1500) / 2 = 3000 yuan (month 3's 99 is after it)
    assert implied.one_time_cost == pytest.approx(3000.0)
    assert implied.pension_buyin == pytest.approx(1000.0)
    assert implied.diverted == 2 and implied.mean_salary == pytest.approx(100.0)
    assert implied.cost_per_diverted_months == pytest.approx(3000 / 2 / 100)
    assert implied.one_time_vs_payroll == pytest.approx(3000 / 12_000)
    wide, narrow = Plausible(), Plausible(cost_per_diverted_months=(0.0, 10.0))
    assert implied.problems(wide) == [] and implied.penalty(wide) == 0.0
    assert implied.problems(narrow) and implied.penalty(narrow) == pytest.approx(1000 * (15 - 9.8) / 9.8)


def test_a_value_at_its_bound_is_named() -> None:
    found = at_bounds({"a": 0.8, "b": 0.4, "c": 0.0001}, [("a", 0.0, 0.8), ("b", 0.0, 1.0), ("c", 0.0, 1.0)])
    assert found == ["a = 0.8 is at its upper bound 0.8", "c = 0.0001 is at its lower bound 0"]


def test_calibrate_reports_a_fit_pinned_at_its_bound_and_its_implied_cost(tmp_path: Path) -> None:
    """A target the bounds cannot reach: the fit ends at the bound and the report says the fit is doubtful."""
    base = ROOT / "scenarios" / "base.toml"
    path = tmp_path / "tiny.toml"
    path.write_text(
        f'extends = "{base.as_posix()}"\nname = "tiny"\n[population.synthetic]\ntownships = 3\n'
        "[time]\nhorizon_months = 30\n[pool]\nunlimited = true\n[money]\ncounterfactual = false\n",
        "utf-8",
    )
    spec = {
        "seed": 5,
        "replications": 2,
        "budget": 8,
        "design_points": 3,
        "targets": {"res": {"metric": "diverted_resignation", "month": 29, "value": 1000, "tolerance": 1}},
        "free": {"channels.resignation.acceptance": {"low": 0.0, "high": 0.2, "evidence": "test"}},
    }
    cal = sim.calibrate(path, spec)
    assert cal.values["channels.resignation.acceptance"] == pytest.approx(0.2)
    assert any("upper bound" in w for w in cal.warnings) and not cal.plausible_fit
    text = cal.report()
    assert "DOUBTFUL" in text and "per diverted person" in text
    assert cal.implied is not None and cal.implied.diverted > 0
    written = cal.write(tmp_path / "tiny_calibrated.toml").read_text("utf-8")
    assert "DOUBTFUL" in written and "bounds: test" in written


def _small_root(tmp_path: Path) -> Path:
    """A project folder with base, Hanshou and one small sourced scenario with a held-out figure."""
    root = tmp_path / "project"
    (root / "scenarios" / "targets").mkdir(parents=True)
    for name in ("base.toml", "hanshou_funding.toml"):
        shutil.copy(ROOT / "scenarios" / name, root / "scenarios" / name)
    (root / "scenarios" / "small.toml").write_text(
        'extends = "base.toml"\nname = "small"\n[population.synthetic]\ntownships = 4\n', "utf-8"
    )
    (root / "scenarios" / "targets" / "small.toml").write_text(
        'scenario = "../small.toml"\nseed = 3\n'
        '[targets.cut]\nmetric = "establishment_admin"\nrole = "input"\nmonth = 12\nrelative_to_month = 11\n'
        "value = -0.1\ntolerance = 0.02\n"
        '[targets.await]\nmetric = "state_awaiting"\nrole = "held_out"\nmonth = 29\nvalue = 100000\ntolerance = 1\n'
        'name_zh = "待分流人员"\n',
        "utf-8",
    )
    return root


def test_validate_model_writes_the_table_and_knows_when_it_is_stale(tmp_path: Path) -> None:
    root = _small_root(tmp_path)

    def fenliu(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sim", "validate-model", "--root", str(root), *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    done = fenliu("--replications", "3")
    assert done.returncode == 0, done.stderr
    text = (root / "docs" / "validation.md").read_text("utf-8")
    assert "input 输入" in text and "held out 留出检验" in text and "待分流人员" in text
    assert "| **no** |" in text  # the impossible held-out figure is reported as failing, not hidden
    assert "Discrete-event engine against the expected-value twin" in text
    assert fenliu("--replications", "3", "--check").returncode == 0
    (root / "scenarios" / "small.toml").write_text(
        'extends = "base.toml"\nname = "small"\n[population.synthetic]\ntownships = 5\n', "utf-8"
    )
    stale = fenliu("--replications", "3", "--check")
    assert stale.returncode == 1 and "stale" in stale.stderr


def test_source_figures_give_bands_around_the_mean(tmp_path: Path) -> None:
    root = _small_root(tmp_path)
    table = source_figures(root / "scenarios" / "targets" / "small.toml", replications=4)
    cut = table.set_index("target").loc["cut"]
    assert cut["role"] == "input" and cut["sector"] == "admin"
    assert cut["p5"] <= cut["mean"] <= cut["p95"]
    assert cut["holds"] == (abs(cut["mean"] + 0.1) <= 0.02)
    assert math.isfinite(cut["se"]) and np.isclose(cut["mean"], -0.1, atol=0.03)
