"""The command line end to end: `run` outputs, reproducibility, `validate` and `show`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.scenario import scenario_hash

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
HORIZON = 72
SMALL = [
    "--set",
    "population.synthetic.townships=2",
    "--set",
    f"time.horizon_months={HORIZON}",
]


def fenliu(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three runs of the base scenario: seed 7 twice, seed 8 once."""
    root = tmp_path_factory.mktemp("cli")
    out = {}
    for name, seed in (("A", 7), ("B", 7), ("C", 8)):
        done = fenliu("run", BASE, *SMALL, "-n", "3", "--seed", str(seed), "--out", root / name, cwd=root)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        out[name] = root / name
    return out


def test_same_seed_gives_byte_identical_parquet(runs: dict[str, Path]) -> None:
    a = (runs["A"] / "monthly.parquet").read_bytes()
    b = (runs["B"] / "monthly.parquet").read_bytes()
    assert a == b
    assert (runs["A"] / "summary.csv").read_bytes() == (runs["B"] / "summary.csv").read_bytes()


def test_different_seeds_differ(runs: dict[str, Path]) -> None:
    a = pd.read_parquet(runs["A"] / "monthly.parquet")
    c = pd.read_parquet(runs["C"] / "monthly.parquet")
    assert a.shape == c.shape
    assert not a.equals(c)
    assert (a["headcount_total"] != c["headcount_total"]).any()


def test_monthly_table_has_every_replication_and_month(runs: dict[str, Path]) -> None:
    monthly = pd.read_parquet(runs["A"] / "monthly.parquet")
    assert sorted(monthly["replication"].unique()) == [0, 1, 2]
    assert (monthly.groupby("replication")["month"].apply(list) == [list(range(HORIZON + 1))] * 3).all()


def test_summary_has_mean_and_quantiles_at_the_summary_months(runs: dict[str, Path]) -> None:
    summary = pd.read_csv(runs["A"] / "summary.csv")
    assert list(summary.columns[:2]) == ["metric", "month"]
    assert {"mean", "p5", "p50", "p95"} <= set(summary.columns)
    headcount = summary[summary["metric"] == "headcount_total"].set_index("month")
    assert sorted(headcount.index) == [0, 12, 24, 29, 60, HORIZON]  # 29: the base scenario's deadline
    assert (headcount["p5"] <= headcount["p50"]).all() and (headcount["p50"] <= headcount["p95"]).all()
    # the summary agrees with the monthly table it summarises
    monthly = pd.read_parquet(runs["A"] / "monthly.parquet")
    at_60 = monthly.loc[monthly["month"] == 60, "headcount_total"]
    assert headcount.loc[60, "mean"] == pytest.approx(at_60.mean(), rel=1e-5)
    assert headcount.loc[60, "p50"] == pytest.approx(at_60.median(), rel=1e-5)


def test_manifest_records_scenario_hash_seed_and_versions(runs: dict[str, Path]) -> None:
    manifest = json.loads((runs["A"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7
    assert manifest["replications"] == 3
    scenario = manifest["scenario"]
    assert scenario["population"]["synthetic"]["townships"] == 2
    assert scenario["time"]["horizon_months"] == HORIZON
    canonical = json.dumps(scenario, sort_keys=True, separators=(",", ":"))
    assert manifest["scenario_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    loaded = sim.load_scenario(BASE, {"population.synthetic.townships": 2, "time.horizon_months": HORIZON})
    assert manifest["scenario_sha256"] == scenario_hash(loaded)
    assert manifest["versions"]["fenliu"] == sim.__version__
    for package in ("python", "numpy", "pandas", "simpy", "pydantic"):
        assert manifest["versions"][package]
    sources = manifest["scenario_sources"]
    assert sources["population.synthetic.townships"] == "--set"
    assert sources["reform.cut_admin"] == str(BASE)


def test_validate_accepts_a_good_scenario(tmp_path: Path) -> None:
    done = fenliu("validate", BASE, *SMALL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout
    assert not list(tmp_path.iterdir()), "validate must not write anything"


def parse_show(text: str) -> dict[str, tuple[str, str]]:
    """`fenliu show` output as {dotted key: (value, source)}."""
    out: dict[str, tuple[str, str]] = {}
    table = ""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("[["):
            name = line.strip("[]")
            counts[name] = counts.get(name, -1) + 1
            table = f"{name}.{counts[name]}."
        elif line.startswith("["):
            table = line.strip("[]") + "."
        elif line.startswith("# ") and " is unset" in line:
            key, _, source = line[2:].partition(" is unset")
            out[table + key.strip()] = ("unset", source.split("#")[-1].strip())
        else:
            assignment, _, source = line.rpartition("  # ")
            key, _, value = assignment.partition("=")
            out[table + key.strip()] = (value.strip(), source.strip())
    return out


def test_show_names_the_source_of_every_value(tmp_path: Path) -> None:
    base = tmp_path / "parent.toml"
    base.write_text(
        'name = "parent"\n[reform]\ncut_admin = 0.15\nmonth = 6\n[hiring]\nrefill_lag_months = 2\n'
        '[[township_classes]]\nname = "big"\nstaff_admin = 40\n',
        encoding="utf-8",
    )
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n[reform]\ncut_institution = 0.4\n', encoding="utf-8")
    done = fenliu("show", child, "--set", "hiring.refill_lag_months=5", "--set", "reform.merit.noise=0.1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = parse_show(done.stdout)
    assert shown["name"] == ('"child"', str(child))
    assert shown["reform.cut_institution"] == ("0.4", str(child))
    assert shown["reform.cut_admin"] == ("0.15", str(base))
    assert shown["reform.month"] == ("6", str(base))
    assert shown["township_classes.0.staff_admin"] == ("40", str(base))
    assert shown["hiring.refill_lag_months"] == ("5", "--set")
    assert shown["reform.merit.noise"] == ("0.1", "--set")
    assert shown["reform.deadline_month"] == ("29", "default")
    assert shown["reform.merit.appraisal"] == ("1.0", "default")
    assert shown["population.roster"] == ("unset", "default")
    # every leaf of the resolved scenario is shown
    scenario = sim.load_scenario(child)
    assert set(_leaves(scenario.model_dump(mode="json"))) <= set(shown)


def _leaves(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        if isinstance(value, dict):
            keys.extend(_leaves(value, f"{prefix}{key}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                keys.extend(_leaves(item, f"{prefix}{key}.{i}."))
        else:
            keys.append(prefix + key)
    return keys


def test_show_without_sources_is_a_loadable_scenario(tmp_path: Path) -> None:
    done = fenliu("show", BASE, "--no-sources", "--set", "reform.cut_admin=0.25", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(done.stdout, encoding="utf-8")
    again = sim.load_scenario(resolved)
    assert scenario_hash(again) == scenario_hash(sim.load_scenario(BASE, {"reform.cut_admin": 0.25}))


def test_a_closed_output_pipe_ends_quietly(tmp_path: Path) -> None:
    """`fenliu show … | head -1`: the reader leaves early; no traceback, the shell's SIGPIPE status."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "show", str(BASE)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
