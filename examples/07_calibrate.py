"""Calibrate a scenario to observed figures (用实际数据校准方案).

Fits the free parameters of scenarios/suzhou_seven_channels.toml to what 范文3 reports for Suzhou
(organ staff −16.3%, mean age 42.7 → 39.7, secondary education or above 53% → 74%, institution
staff −51%): the targets file scenarios/targets/suzhou.toml names the figures, the parameters
to fit with their bounds, and the search budget. Writes a calibrated scenario that `extends`
the original, then loads it to check it.

    python examples/07_calibrate.py

Sizes: FENLIU_EXAMPLE_BUDGET (evaluations; default: the targets file's 140),
FENLIU_EXAMPLE_REPLICATIONS (per evaluation; default: the file's 4), FENLIU_EXAMPLE_TOWNSHIPS
(default: the scenario's 110). A tiny budget shows the mechanics, not a fit.
Output: FENLIU_EXAMPLE_OUT (default results/examples)/07-calibrate/.
"""

import os
from pathlib import Path

import sim

BUDGET = os.environ.get("FENLIU_EXAMPLE_BUDGET")  # unset: the targets file's own settings
REPLICATIONS = os.environ.get("FENLIU_EXAMPLE_REPLICATIONS")
TOWNSHIPS = os.environ.get("FENLIU_EXAMPLE_TOWNSHIPS")
OUT = Path(os.environ.get("FENLIU_EXAMPLE_OUT", "results/examples"))


def main() -> None:
    """Fit, report, write the calibrated scenario and load it back."""
    size = {"population.synthetic.townships": int(TOWNSHIPS)} if TOWNSHIPS else {}
    calibration = sim.calibrate(
        "scenarios/suzhou_seven_channels.toml",
        "scenarios/targets/suzhou.toml",
        overrides=size,  # written into the calibrated file too, marked as such
        budget=int(BUDGET) if BUDGET else None,
        replications=int(REPLICATIONS) if REPLICATIONS else None,
        progress=print,  # one line per evaluation
    )
    print(calibration.report())  # fitted values, and each target: simulated, residual, within tolerance?
    print("every target within its tolerance:", calibration.converged)

    path = calibration.write(OUT / "07-calibrate" / "suzhou_calibrated.toml")  # extends the original file
    print(f"wrote {path}")
    scenario = sim.load_scenario(path)  # the calibrated scenario, ready for sim.run or `fenliu run`
    print(f"{scenario.name}: enterprise acceptance {scenario.channels.enterprise.acceptance}")


if __name__ == "__main__":
    main()
