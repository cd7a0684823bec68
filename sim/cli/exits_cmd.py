"""`fenliu estimate-exits`: exit rates measured from two or more rosters of the same staff."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.estimate.exits import ExitEstimate, estimate_exits
from sim.estimate.exits.estimate import FRAGMENT, UNEXPLAINED_CHOICES
from sim.estimate.exits.rates import DEFAULT_EDGES


def register(sub: argparse._SubParsersAction) -> None:
    """Add the estimate-exits command."""
    p = sub.add_parser(
        "estimate-exits",
        help="measure exit rates (exits per person-year) from rosters of the same staff at two or more dates",
    )
    p.add_argument("rosters", nargs="+", metavar="ROSTER", help="rosters (.csv or .xlsx), oldest first")
    p.add_argument("--dates", required=True, help="the month of each roster, YYYY-MM, comma-separated, oldest first")
    p.add_argument("--out", default="results/exits", help="folder for the tables and exit_rates.toml")
    p.add_argument(
        "--scenario",
        default=None,
        help="scenario whose statutory retirement rule to compare with; the fragment extends it",
    )
    p.add_argument(
        "--age-bands",
        default=",".join(f"{a:g}" for a in DEFAULT_EDGES[1:-1]),
        help="ages that cut the age bands (default: %(default)s)",
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals (default 0.95)")
    p.add_argument(
        "--min-events",
        type=float,
        default=10.0,
        help="a band uses its observed rate when the model expects at least this many exits in it, else the "
        "Poisson model's (default 10)",
    )
    p.add_argument(
        "--unexplained",
        choices=UNEXPLAINED_CHOICES,
        default="quit",
        help="disappearances without a reason before the statutory age: count as quits (default) or leave out",
    )
    p.set_defaults(handler=estimate_command)


def _ages(text: str) -> list[float]:
    from sim.errors import InputError

    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--age-bands: expected ages separated by commas, e.g. 30,40,50; found {text!r}") from None


def estimate_command(args: argparse.Namespace) -> int:
    """Estimate, write the folder, print the tables."""
    est = estimate_exits(
        args.rosters,
        args.dates,
        scenario=args.scenario,
        age_bands=_ages(args.age_bands),
        level=args.level,
        min_events=args.min_events,
        unexplained=args.unexplained,
    )
    out = Path(args.out)
    path = est.save(out, extends=args.scenario)
    print(format_estimate(est))
    print(f"\ntables in {out}/ (rates, exits, changes, entries, retirement: .csv and .parquet)")
    print(f'scenario fragment: {path}  (use it with: extends = "{path.name}", or fenliu run {path})')
    return 0


def _rates(est: ExitEstimate, dimension: str) -> pd.DataFrame:
    r = est.rates[est.rates["dimension"] == dimension]
    keys: list[str] = [k for k in ("age_band", "sex", "sector", "status") if k in dimension.split("×")]
    rows: dict[tuple[object, ...], dict[str, str]] = {}
    for cause in ("died", "quit", "left", "unexplained", "retired", "diverted"):
        part = r[r["cause"] == cause]
        for row in part.itertuples():
            key = tuple(getattr(row, k) for k in keys) or ("all",)
            rows.setdefault(key, {"person-years": f"{row.exposure_years:,.1f}"})
            rows[key][cause] = (
                f"{row.events} · {1000 * row.rate:.1f} [{1000 * row.ci_low:.1f}–{1000 * row.ci_high:.1f}]"
            )
    index = pd.MultiIndex.from_tuples(list(rows), names=list(keys) or ["population"])
    return pd.DataFrame(list(rows.values()), index=index)


def format_estimate(est: ExitEstimate) -> str:
    """The rate tables and the retirement comparison as text."""
    years = est.cohorts["exposure_years"].sum()
    lines = [
        f"exits between {len(est.sources)} rosters ({', '.join(est.dates)}): {len(est.cohorts)} people at risk, "
        f"{years:,.1f} person-years, {len(est.exits)} exits, {len(est.entries)} entries, "
        f"{est.changes['id'].nunique() if len(est.changes) else 0} people changed township, sector or status",
        f"cells: exits · rate per 1,000 person-years [{est.level:.0%} exact Poisson interval]",
        "",
    ]
    for dimension in ("all", "sex", "sector", "status", "age_band"):
        lines += [_rates(est, dimension).to_string(), ""]
    band = est.rates[(est.rates["dimension"] == "age_band×sex") & est.rates["cause"].isin(["died", "quit"])]
    used = band.pivot_table(index=["age_band", "sex"], columns="cause", values="rate_used", sort=False) * 1000
    how = band.pivot_table(index=["age_band", "sex"], columns="cause", values="use", aggfunc="first", sort=False)
    shown = used.round(2).astype(str) + " (" + how + ")"
    lines += [f"rates written to {FRAGMENT}, per 1,000 person-years (observed, or the Poisson model where thin):"]
    lines += [shown.to_string(), ""]
    ret = est.retirement.set_index(["sex", "status"])
    lines += ["retirements against the statutory rule:", ret.to_string(float_format=lambda x: f"{x:.1f}")]
    return "\n".join(lines)
