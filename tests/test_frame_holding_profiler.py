"""A profiler that keeps finished frames alive (Dask's workers sample every thread's frames) must not break a
replication: the engine's people are growable `array`s, which cannot grow while a numpy view of them is alive,
so the engine reads them into numpy as copies (sim.engine.people). Seen in CI: a Dask sweep's job failed with
"BufferError: cannot resize an array that is exporting buffers".
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

import sim
from sim.engine.model import simulate

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"


def test_a_profiler_holding_every_finished_frame_does_not_break_a_replication() -> None:
    scenario = sim.load_scenario(
        BASE, {"population.synthetic.townships": 6, "time.horizon_months": 40, "geography.counties": 2}
    )
    population = sim.build_population(scenario, scenario.run.seed)
    plain = simulate(scenario, population, scenario.run.seed, 0, record_events=True)
    held: list[FrameType] = []

    def keep(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "return" and f"{Path('sim') / 'engine'}" in frame.f_code.co_filename:
            held.append(frame)  # a finished frame keeps its locals, as a sampled one does

    sys.setprofile(keep)
    try:
        profiled = simulate(scenario, population, scenario.run.seed, 0, record_events=True)
    finally:
        sys.setprofile(None)
    assert len(held) > 1000  # the engine's functions were held, the reform and results by township among them
    assert {f.f_code.co_name for f in held} >= {"_competitive_posting", "capture", "start"}
    assert np.array_equal(profiled.monthly, plain.monthly, equal_nan=True) and profiled.events == plain.events
