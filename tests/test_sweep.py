"""Sweeps end to end: identical bytes on every executor, resume after SIGKILL, failed jobs, refusals.

These tests start worker processes (a spawn pool, a Dask LocalCluster, a CLI subprocess); each
has a watchdog, and subprocesses have timeouts.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.engine.model import Model, simulate
from sim.errors import InputError
from sim.experiment.progress import Progress
from sim.experiment.sweep import plan_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.toml"
FAST = {"population.synthetic.townships": 5, "time.horizon_months": 30}


@pytest.fixture(autouse=True)
def watchdog():
    """Dump every thread and exit if a test hangs (pytest-timeout is not installed)."""
    faulthandler.dump_traceback_later(300, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def small_spec(**changes: object) -> dict:
    data: dict = {
        "name": "small",
        "base": str(BASE),
        "seed": 11,
        "replications": 3,
        "set": dict(FAST),
        "design": {"kind": "lhs", "points": 3},
        "parameters": {"reform.cut_admin": {"low": 0.05, "high": 0.3}},
        "levers": {"hiring.freeze_months": {"values": [0, 24]}},
    }
    data.update(changes)
    return data


def file_bytes(folder: Path, pattern: str = "points/*.parquet") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob(pattern))}


def flaky_simulate(scenario, population, seed, replication, record_events=False):
    """The real model, except that replication 1 of every freeze_months = 24 point raises."""
    if scenario.hiring.freeze_months == 24 and replication == 1:
        raise RuntimeError("boom: a planted failure")
    return simulate(scenario, population, seed, replication, record_events)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> sim.SweepResults:
    out = tmp_path_factory.mktemp("ref") / "inprocess"
    return sim.sweep(small_spec(), out=out, executor="inprocess", progress=False, report=False)


def test_in_process_local_pool_and_dask_write_identical_bytes(reference, tmp_path):
    pool = sim.sweep(small_spec(), out=tmp_path / "local", executor="local", workers=2, progress=False, report=False)
    dask = sim.sweep(small_spec(), out=tmp_path / "dask", executor="dask", workers=2, progress=False, report=False)
    expected = file_bytes(reference.folder)
    assert len(expected) == 6
    assert file_bytes(pool.folder) == expected
    assert file_bytes(dask.folder) == expected
    assert file_bytes(pool.folder, "summary.parquet") == file_bytes(reference.folder, "summary.parquet")
    assert file_bytes(dask.folder, "summary.parquet") == file_bytes(reference.folder, "summary.parquet")
    # really in parallel: two worker processes each, none of them this one
    for results in (pool, dask):
        workers = set(results.jobs["worker"])
        assert len(workers) == 2, workers
        assert all(not w.endswith(f":{os.getpid()}") for w in workers)
    assert pool.manifest["sessions"][0]["executor"] == "local"
    assert dask.manifest["sessions"][0]["executor"] == "dask"


def test_point_results_are_those_of_sim_run(reference):
    design = reference.design()
    row = design.iloc[4]
    scenario = sim.load_scenario(
        BASE,
        {**FAST, "reform.cut_admin": row["reform.cut_admin"], "hiring.freeze_months": int(row["hiring.freeze_months"])},
    )
    direct = sim.run(scenario, replications=3, seed=11).monthly
    swept = reference.monthly(4)
    assert swept["point"].eq(4).all()
    pd.testing.assert_frame_equal(swept.drop(columns="point"), direct, check_exact=True)


def test_folder_layout_and_lazy_reader(reference):
    folder = reference.folder
    for name in ("manifest.json", "design.parquet", "jobs.parquet", "jobs.jsonl", "summary.parquet"):
        assert (folder / name).is_file(), name
    assert not list(folder.glob("parts/*")) and not list(folder.glob("**/*.tmp-*"))
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["base_scenario_sha256"] and manifest["spec_sha256"] and manifest["versions"]["fenliu"]
    assert manifest["seed"] == 11 and manifest["design"]["points"] == 6 and manifest["jobs"] == 18
    assert manifest["sessions"][0]["started"] and manifest["sessions"][0]["finished"]
    assert set(reference.jobs["status"]) == {"done"} and len(reference.jobs) == 18
    monthly = reference.monthly(0)
    assert list(monthly.columns[:3]) == ["point", "replication", "month"]
    assert monthly[["replication", "month"]].equals(
        monthly[["replication", "month"]].sort_values(["replication", "month"])
    )
    summary = reference.summary()
    assert list(summary.columns) == ["point", "metric", "month", "mean", "p5", "p50", "p95"]
    # yearly, the horizon, and always the reform (12) and deadline (29)
    assert set(summary["month"]) == {0, 12, 24, 29, 30} and set(summary["point"]) == set(range(6))
    long = reference.summary(long=True)
    assert list(long.columns) == ["point", "metric", "month", "statistic", "value"] and len(long) == 4 * len(summary)
    values = reference.values("headcount_total", 24)
    assert len(values) == 18 and set(values.columns) == {"point", "replication", "value"}
    with pytest.raises(InputError, match="not a column"):
        reference.values("no_such_metric", 24)


def test_failed_job_is_recorded_the_rest_finish_and_resume_retries_only_it(tmp_path):
    out = tmp_path / "flaky"
    results = sim.sweep(
        small_spec(), out=out, executor="local", workers=2, progress=False, report=False, model=flaky_simulate
    )
    failed = results.failed
    assert len(failed) == 3  # replication 1 of the three freeze_months = 24 points
    assert set(failed["point"]) == {3, 4, 5} and set(failed["first_replication"]) == {1}
    assert failed["error"].str.contains("boom: a planted failure").all()
    assert failed["error"].str.contains("Traceback").all()
    assert results.points_done() == [0, 1, 2]
    assert results.manifest["status"] == "failed"
    assert set(results.summary()["point"]) == {0, 1, 2}
    # an unfinished sweep waits beside the target, which it never replaces
    assert results.folder == tmp_path / ".flaky.partial" and not out.exists()
    assert len(list(results.folder.glob("parts/*.npz"))) == 6  # the good replications of the incomplete points
    # resuming with another model function is refused; with --force only the three failed jobs run
    with pytest.raises(InputError, match="model function changed"):
        sim.sweep(small_spec(), out=out, executor="inprocess", resume=True, progress=False, report=False)
    # a session killed between writing point 0's file and removing its parts leaves them behind
    parts = results.folder / "parts"
    donor = next(parts.glob("*.npz")).read_bytes()
    for stem in ("p00000-r0000", "p00000-r0001"):
        (parts / f"{stem}.npz").write_bytes(donor)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a writer killed half way leaves its temporary file, named for its process
    (parts / f".p00003-r0001.npz.tmp-{dead.pid}").write_bytes(donor[:100])
    (results.folder / "points" / f".point-00003.parquet.tmp-{dead.pid}").write_bytes(b"PAR1")
    point0 = (results.folder / "points" / "point-00000.parquet").read_bytes()
    resumed = sim.sweep(
        small_spec(), out=out, executor="inprocess", resume=True, force=True, progress=False, report=False
    )
    assert not list(out.glob("parts/*"))  # the leftovers are dropped, not merged again
    assert not list(out.glob("points/.*"))
    assert (out / "points" / "point-00000.parquet").read_bytes() == point0
    assert resumed.manifest["sessions"][-1]["jobs_run"] == 3
    assert resumed.complete and resumed.manifest["status"] == "complete"
    assert resumed.folder == out and not results.folder.exists()


def test_cli_exit_code_is_1_when_a_job_fails(tmp_path, monkeypatch, capsys):
    real_run = Model.run

    def failing_run(self):
        if self.replication == 2 and self.scenario.hiring.freeze_months == 0:
            raise ValueError("planted engine failure")
        return real_run(self)

    monkeypatch.setattr(Model, "run", failing_run)
    spec_file = tmp_path / "s.toml"
    spec_file.write_text(_toml(small_spec()), "utf-8")
    out = tmp_path / "out"
    code = main(["sweep", str(spec_file), "--executor", "inprocess", "--out", str(out), "--no-report", "-q"])
    assert code == 1
    said = capsys.readouterr()
    assert "planted engine failure" in said.err and "3 of 18 jobs failed" in said.err
    assert f"3 of 6 points complete; unfinished sweep in {tmp_path / '.out.partial'}/" in said.out
    jobs = pd.read_parquet(tmp_path / ".out.partial" / "jobs.parquet")
    assert not out.exists()
    assert (jobs["status"] == "failed").sum() == 3 and (jobs["status"] == "done").sum() == 15


def test_existing_folder_needs_resume_and_a_changed_spec_is_refused(reference, tmp_path, capsys):
    folder = reference.folder
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="already holds a sweep; pass --resume"):
        sim.sweep(small_spec(), out=folder, executor="inprocess", progress=False)
    assert not list(folder.parent.glob(".*"))  # a refusal leaves nothing behind, not even an empty work folder
    with pytest.raises(InputError, match="the sweep spec changed"):
        sim.sweep(small_spec(replications=4), out=folder, executor="inprocess", resume=True, progress=False)
    with pytest.raises(InputError, match="resolved base scenario changed"):
        sim.sweep(
            small_spec(set={**FAST, "reform.month": 11}), out=folder, executor="inprocess", resume=True, progress=False
        )
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before
    # a complete sweep resumed runs nothing and rewrites no point
    again = sim.sweep(small_spec(), out=folder, executor="inprocess", resume=True, progress=False, report=False)
    assert again.manifest["sessions"][-1]["jobs_run"] == 0
    assert {p: p.stat().st_mtime_ns for p in folder.glob("points/*")} == {
        p: t for p, t in before.items() if p.parent.name == "points"
    }


def _toml(spec: dict) -> str:
    def value(v: object) -> str:
        return json.dumps(v)

    lines = [f"{k} = {value(v)}" for k, v in spec.items() if not isinstance(v, dict)]
    lines.append("[set]")
    lines += [f'"{k}" = {value(v)}' for k, v in spec.get("set", {}).items()]
    lines.append("[design]")
    lines += [f"{k} = {value(v)}" for k, v in spec["design"].items()]
    for section in ("parameters", "levers"):
        for key, body in spec.get(section, {}).items():
            lines.append(f'[{section}."{key}"]')
            lines += [f"{k} = {value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


def test_sigkill_half_way_then_resume_gives_the_uninterrupted_results(tmp_path):
    spec = small_spec(
        name="killed",
        replications=2,
        set={"population.synthetic.townships": 20, "time.horizon_months": 60},
        design={"kind": "lhs", "points": 8},
    )
    spec_file = tmp_path / "killed.toml"
    spec_file.write_text(_toml(spec), "utf-8")
    out = tmp_path / "killed"
    total = plan_sweep(spec_file, out=out).n_jobs
    assert total == 32
    cmd = [sys.executable, "-m", "sim", "sweep", str(spec_file), "--out", str(out), "--workers", "2", "--no-report"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    work = tmp_path / ".killed.partial"  # where the sweep works until it is complete
    try:
        journal = work / "jobs.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.is_file() and journal.read_text("utf-8").count("\n") >= 10:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its pool workers, as a power cut would
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert not out.exists()  # the target is never a half-written sweep
    done_points = {p.name: p.stat().st_mtime_ns for p in work.glob("points/*.parquet")}
    done_parts = {  # a point killed between writing its file and removing its parts counts once
        p.stem for p in work.glob("parts/*.npz") if f"point-{int(p.stem[1:6]):05d}.parquet" not in done_points
    }
    finished = 2 * len(done_points) + len(done_parts)
    assert 0 < finished < total
    assert json.loads((work / "manifest.json").read_text("utf-8"))["status"] == "running"

    resumed = subprocess.run([*cmd, "--resume", "--quiet"], capture_output=True, text=True, timeout=180, check=False)
    assert resumed.returncode == 0, resumed.stderr
    results = sim.open_sweep(out)
    manifest = results.manifest
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["jobs_run"] == total - finished  # nothing finished was run again
    assert {p: (out / "points" / p).stat().st_mtime_ns for p in done_points} == done_points  # points untouched
    assert not work.exists()
    jobs = results.jobs
    assert (jobs["status"] == "done").all()
    assert (jobs["session"] == 2).sum() == total - finished
    assert not list(out.glob("parts/*"))

    uninterrupted = sim.sweep(spec, out=tmp_path / "whole", executor="inprocess", progress=False, report=False)
    assert file_bytes(out) == file_bytes(uninterrupted.folder)
    assert len(file_bytes(out)) == 16
    assert file_bytes(out, "summary.parquet") == file_bytes(uninterrupted.folder, "summary.parquet")


def test_progress_lines_without_a_terminal_and_a_bar_on_one():
    stream = io.StringIO()
    bar = Progress(20, initial=5, label="demo", stream=stream)
    for k in range(15):
        bar.update(ok=k != 3)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "demo: 15 of 20 jobs to run"
    assert lines[-1].startswith("demo: 20/20 jobs (100%), 1 failed,") and "jobs/s, ETA" in lines[-1]

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = Progress(4, label="demo", stream=tty)
    for _ in range(4):
        bar.update(ok=True)
    bar.close()
    assert "4/4" in tty.getvalue() and "100%" in tty.getvalue()
    silent = io.StringIO()
    bar = Progress(4, stream=silent, enabled=False)
    bar.update(ok=True)
    assert silent.getvalue() == ""


def test_batched_replications_give_the_same_bytes(reference, tmp_path):
    batched = sim.sweep(
        small_spec(replications_per_job=2), out=tmp_path / "b", executor="inprocess", progress=False, report=False
    )
    assert len(batched.jobs) == 6 * 2  # replications 0-1 and 2 of every point
    assert sorted(batched.jobs["replications"].unique()) == [1, 2]
    assert file_bytes(batched.folder) == file_bytes(reference.folder)
