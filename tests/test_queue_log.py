"""Queue behaviour recomputed from events.parquet alone, against the engine's own queue columns.

The CLI writes the event log; every queue join and leave (places and money) is in it with
person, channel, month, what was asked and why the person left. From the log alone:

- the month-end length of every queue (joins minus leaves so far) equals the monthly column
  (`pool_waiting`, `queue_<channel>`) at every month and replication;
- Little's law L = λW holds exactly: time is in whole months, so the queue's length summed
  over months equals the waits summed over episodes (an open episode counted to the horizon);
- whoever gives up on a place has waited exactly `patience_months`;
- the money the log says was paid is what the pool paid (when nobody handed money back).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.scenario.schema import CHANNEL_IDS

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SMALL = ["population.synthetic.townships=12", "time.horizon_months=60", "money.counterfactual=false"]
SCARCE = ["pool.contributors.0.amount=800000", "pool.contributors.1.amount=100000"]  # base's city money, 12 townships
REASONS = {"placed", "paid", "gave_up", "left", "deadline", "reposted"}


def _run(tmp: Path, extra: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    sets = [x for item in [*SMALL, *extra] for x in ("--set", item)]
    cmd = [sys.executable, "-m", "sim", "run", str(BASE), "--replications", "2", "--events", "--out", str(tmp), *sets]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return pd.read_parquet(tmp / "events.parquet"), pd.read_parquet(tmp / "monthly.parquet")


def _episodes(log: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Pair each join with the same person's next leave of the same queue; open ones end at horizon + 1."""
    log = log.assign(order=np.arange(len(log)))
    log["k"] = log.groupby(["person", "queue", "channel", "event"]).cumcount()
    joins = log[log["event"] == "queue_join"]
    leaves = log[log["event"] == "queue_leave"]
    pairs = joins.merge(leaves, on=["person", "queue", "channel", "k"], how="outer", suffixes=("", "_out"))
    assert pairs["month"].notna().all(), "a leave without a join"
    assert (pairs["order_out"].isna() | (pairs["order_out"] > pairs["order"])).all()
    pairs["end"] = pairs["month_out"].fillna(horizon + 1)
    pairs["wait"] = pairs["end"] - pairs["month"]
    return pairs


@pytest.mark.parametrize(
    "extra",
    [
        ["channels.enterprise.places_per_year=15", "pool.discipline=strict", *SCARCE],
        ["channels.teacher.places_per_year=5", "diversion.after_deadline=rotate", *SCARCE],
    ],
)
def test_queues_and_littles_law_from_the_event_log(tmp_path: Path, extra: list[str]) -> None:
    events, monthly = _run(tmp_path, extra)
    horizon = int(monthly["month"].max())
    months = np.arange(horizon + 1)
    # institution_vacancy has no queue: a vacancy goes at once to the best willing surplus person, and
    # its column counts those who would take one (docs/model.md §2)
    queues = [("money", None, "pool_waiting")]
    queues += [("place", c, f"queue_{c}") for c in CHANNEL_IDS if c != "institution_vacancy"]
    q = events[events["event"].isin(["queue_join", "queue_leave"])]
    assert set(q.loc[q["event"] == "queue_leave", "reason"]) <= REASONS
    checked_money = 0
    for rep, log in q.groupby("replication"):
        own = monthly[monthly["replication"] == rep].set_index("month")
        for queue, channel, column in queues:
            mine = log[(log["queue"] == queue) & ((log["channel"] == channel) if channel else True)]
            joins = np.bincount(mine.loc[mine["event"] == "queue_join", "month"], minlength=horizon + 1)
            leaves = np.bincount(mine.loc[mine["event"] == "queue_leave", "month"], minlength=horizon + 1)
            length = np.cumsum(joins - leaves)[: horizon + 1]
            np.testing.assert_array_equal(length, own.loc[months, column].to_numpy(), err_msg=f"{rep} {column}")
            if queue == "money":  # the funding gap is the yuan the waiting requests ask for
                amount = mine["amount"].to_numpy(dtype=float) * np.where(mine["event"] == "queue_join", 1.0, -1.0)
                asked = np.cumsum(np.bincount(mine["month"], weights=amount, minlength=horizon + 1))[: horizon + 1]
                np.testing.assert_allclose(asked, own.loc[months, "pool_unpaid"], rtol=1e-9, atol=1e-6)
            if not len(mine):
                continue
            ep = _episodes(mine, horizon)
            mean_length = length.mean()  # L, over the months 0..horizon, each month-end length lasting a month
            arrival_rate = len(ep) / (horizon + 1)  # λ
            mean_wait = ep["wait"].mean()  # W
            assert mean_length == pytest.approx(arrival_rate * mean_wait, rel=1e-12, abs=1e-12), column
            assert (ep["end"] > horizon).sum() == length[-1]  # the open episodes are who waits at the end
            gave_up = ep[ep["reason_out"] == "gave_up"]
            assert (gave_up["wait"] == 6).all()  # base.toml: patience_months = 6
        if not (events[(events["replication"] == rep)]["event"] == "ineligible").any():
            paid = log[(log["queue"] == "money") & (log["reason"] == "paid")]
            by_month = np.bincount(paid["month"], weights=paid["amount"], minlength=horizon + 1)
            np.testing.assert_allclose(np.cumsum(by_month), own.loc[months, "pool_paid_cumulative"], rtol=1e-9)
            checked_money += 1
    assert len(q) > 100 and (q["queue"] == "money").any() and checked_money
    assert (monthly["pool_waiting"] > 0).any() and (monthly[[f"queue_{c}" for c in CHANNEL_IDS]] > 0).any().any()
