"""Comparisons say what they compare: what differs → what it did, and a warning for different worlds."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from sim.analysis.worlds import is_world_key, world_differences
from sim.cli.main import main
from sim.report.compare_figures import compare_metric
from sim.report.load import load_compare

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = ["-n", "2", "--set", "population.synthetic.townships=3", "--set", "time.horizon_months=48"]


def compare(tmp_path: Path, capsys: pytest.CaptureFixture, *names: str) -> tuple[Path, str]:
    out = tmp_path / "-".join(names)
    files = [str(SCENARIOS / f"{n}.toml") for n in names]
    assert main(["compare", *files, *SMALL, "--executor", "inprocess", "--out", str(out)]) == 0
    return out, capsys.readouterr().err


@pytest.fixture(scope="module")
def worlds_apart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("worlds") / "base-soft"
    files = [str(SCENARIOS / f"{n}.toml") for n in ("base", "soft_landing")]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["compare", *files, *SMALL, "--executor", "inprocess", "--out", str(out)]) == 0
    return out, err.getvalue()


def test_different_worlds_are_flagged_on_the_terminal_and_in_the_report(worlds_apart: tuple[Path, str]) -> None:
    out, err = worlds_apart
    assert "different worlds" in err and "staff at month 0" in err
    html = (out / "report.html").read_text("utf-8")
    assert 'id="worlds"' in html and "different worlds" in html
    # the staff counts in the warning are the runs' own month-0 headcounts
    runs = load_compare(out)
    for run in runs:
        staff = run.monthly.loc[run.monthly["month"] == 0, "headcount_total"].mean()
        assert f"{run.name} {staff:,.0f}" in err
    assert runs[0].monthly["headcount_total"].iloc[0] != runs[1].monthly["headcount_total"].iloc[0]


def test_same_world_different_policy_has_no_warning_and_says_what_differs(tmp_path: Path, capsys) -> None:
    out, err = compare(tmp_path, capsys, "base", "strict_enforcement")
    assert "different worlds" not in err
    html = (out / "report.html").read_text("utf-8")
    assert 'id="worlds"' not in html and 'id="what-differs"' in html
    section = re.search(r'<section id="what-differs">(.*?)</section>', html, re.S)[1]
    assert "rebound.enforcement" in section and "Same world, different policy" in section
    assert "Headcount change to the deadline" in section  # what it did


def test_world_keys_are_population_townships_and_start() -> None:
    assert is_world_key("population.synthetic.townships") and is_world_key("time.start")
    assert is_world_key("township_classes.0.staff_admin")
    assert not is_world_key("township_classes.0.new_establishment_admin") and not is_world_key("reform.cut_admin")
    a = {"population": {"source": "synthetic"}, "reform": {"cut_admin": 0.1}}
    b = {"population": {"source": "roster"}, "reform": {"cut_admin": 0.2}}
    assert list(world_differences([a, b])) == ["population.source"]


def test_scenario_lines_have_their_own_dash(worlds_apart: tuple[Path, str]) -> None:
    fig = compare_metric(load_compare(worlds_apart[0]), "headcount_total")
    dashes = [t.line.dash for t in fig.data if t.mode == "lines" and "Establishment" not in (t.name or "")]
    assert len(dashes) == 2 and len(set(dashes)) == 2
