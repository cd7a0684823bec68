"""The measured rates as a scenario fragment (TOML) that a scenario can `extends`."""

from __future__ import annotations

import pandas as pd

from sim.scenario.render import toml_literal


def _edges(band: str) -> tuple[float, float]:
    if band.startswith("<"):
        return 0.0, float(band[1:])
    if band.endswith("+"):
        return float(band[:-1]), 120.0
    lo, hi = band.split("-")
    return float(lo), float(hi)


def _pick(rates: pd.DataFrame, cause: str, dimension: str) -> pd.DataFrame:
    return rates[(rates["cause"] == cause) & (rates["dimension"] == dimension)]


def fragment_toml(rates: pd.DataFrame, header: list[str], extends: str | None, level: float) -> str:
    """`[attrition]` with the crude death and quit rates and one age band per age band and sex.

    Each band takes the observed rate where the Poisson model expects enough events in it, else the
    model's (column `use` of the rate table); comments give events, person-years and the interval.
    """
    lines = [f"# {h}" if h else "#" for h in header]
    lines.append("")
    if extends is not None:
        lines += [f"extends = {toml_literal(extends)}", ""]
    lines.append("[attrition]")
    for cause, key in (("died", "death_rate"), ("quit", "quit_rate")):
        row = _pick(rates, cause, "all").iloc[0]
        lines.append(
            f"{key} = {round(float(row['rate']), 6)!r}  # crude: {row['events']} exits in "
            f"{row['exposure_years']:,.1f} person-years, {level:.0%} CI [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
        )
    death, quit = _pick(rates, "died", "age_band×sex"), _pick(rates, "quit", "age_band×sex")
    both = death.merge(quit, on=["age_band", "sex"], suffixes=("_d", "_q"))
    both = both.assign(lo=[_edges(b)[0] for b in both["age_band"]]).sort_values(["sex", "lo"], kind="stable")
    for r in both.itertuples():
        lo, hi = _edges(str(r.age_band))
        lines += [
            "",
            "[[attrition.age_bands]]",
            f"age_min = {lo!r}",
            f"age_max = {hi!r}",
            f"sex = {toml_literal(r.sex)}",
            f"death_rate = {round(float(r.rate_used_d), 6)!r}  # {_note(r, 'd', level)}",
            f"quit_rate = {round(float(r.rate_used_q), 6)!r}  # {_note(r, 'q', level)}",
        ]
    return "\n".join(lines) + "\n"


def _note(r: object, s: str, level: float) -> str:
    get = lambda name: getattr(r, f"{name}_{s}")  # noqa: E731
    text = f"{get('events')} in {get('exposure_years'):,.1f} person-years"
    if get("use") == "observed":
        return f"{text}, observed, {level:.0%} CI [{get('ci_low'):.4g}, {get('ci_high'):.4g}]"
    if get("use") == "crude":
        return f"{text}, thin and no exit at this level: the crude rate"
    return f"{text}, thin: Poisson model, {level:.0%} CI [{get('model_low'):.4g}, {get('model_high'):.4g}]"
