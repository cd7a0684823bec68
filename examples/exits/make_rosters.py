"""How the two sample rosters of this folder were made (kept for the record; the tests read the .xlsx).

A county of eight townships as `scenarios/base.toml` draws it, its reform in mid-2005, run by the
model from December 2004 (`fenliu roster --month`), then dressed as a county personnel office's
export would be: Chinese township names and words, the office's own ids, reasons in the 减员原因
column for most leavers but not all (some simply vanish), exit dates for some, and a few transfers
between townships. Run from the project folder:

    python examples/exits/make_rosters.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.experiment.roster_at import roster_at

HERE = Path(__file__).resolve().parent
TOWNSHIPS = ("城关镇", "龙阳镇", "岩汪湖镇", "坡头镇", "太子庙镇", "沧港镇", "洲口镇", "罐头嘴镇")
WORDS = {
    "sector": {"admin": "行政", "institution": "事业", "temporary": "临时"},
    "sex": {"M": "男", "F": "女"},
    "education": {"primary": "小学", "junior": "初中", "secondary": "高中", "college": "大专", "university": "本科"},
    "status": {"cadre": "干部", "worker": "工人"},
}
REASONS = {"retired": "退休", "died": "死亡", "quit": "辞职", "dismissed": "辞退", "cleared": "清退"}
CHANNELS = {
    "teacher": "分流:教师",
    "early_retirement": "提前退休",
    "resignation": "分流:买断",
    "termination": "分流:解聘",
    "institution_vacancy": "分流:事业空岗",
    "enterprise": "分流:企业",
    "police": "分流:公安",
}


def dress(frame: pd.DataFrame, ids: dict[str, str], rng: np.random.Generator, later: bool) -> pd.DataFrame:
    """The model's roster in the words of a county office."""
    out = frame.copy()
    out["id"] = out["id"].map(ids)
    out["township"] = out["township"].map(lambda t: TOWNSHIPS[int(t[1:]) - 1])
    for column, words in WORDS.items():
        out[column] = out[column].map(words)
    reason = out.pop("exit_reason")
    date = out.pop("exit_date")
    if later:
        word = reason.map(
            lambda r: CHANNELS.get(r.split(":", 1)[1], "分流") if r.startswith("diverted:") else REASONS.get(r, r)
        )
        listed = (reason == "") | (rng.random(len(out)) < 0.8)  # a fifth of the leavers are not listed at all
        out["减员原因"] = word
        out["减员时间"] = np.where(rng.random(len(out)) < 0.7, date, "")  # some dates not filled in
        out = out[listed]
    else:
        out = out[reason == ""]
    return out.reset_index(drop=True)


def main() -> None:
    """Write county_roster_2004-12.xlsx and county_roster_2005-12.xlsx."""
    scenario = sim.load_scenario(
        "scenarios/base.toml",
        overrides={"population.synthetic.townships": 8, "time.start": "2004-12", "reform.month": 6},
    )
    population = sim.build_population(scenario, 2005)
    first = roster_at(scenario, population, 2005, 0, exits=True)
    second = roster_at(scenario, population, 2005, 12, exits=True)
    rng = np.random.default_rng(2005)
    everyone = pd.unique(pd.concat([first["id"], second["id"]]))
    ids = {pid: f"430722{1965 + k % 40:04d}{k:05d}" for k, pid in enumerate(everyone)}
    a = dress(first, ids, rng, later=False)
    b = dress(second, ids, rng, later=True)
    moved = b.index[(b["减员原因"] == "") & b["id"].isin(a["id"])][::97][:4]  # transfers between townships
    b.loc[moved, "township"] = [TOWNSHIPS[(TOWNSHIPS.index(t) + 3) % 8] for t in b.loc[moved, "township"]]
    a.to_excel(HERE / "county_roster_2004-12.xlsx", index=False, sheet_name="花名册")
    b.to_excel(HERE / "county_roster_2005-12.xlsx", index=False, sheet_name="花名册")
    print(f"{len(a)} people in December 2004, {len(b)} rows in December 2005")


if __name__ == "__main__":
    main()
