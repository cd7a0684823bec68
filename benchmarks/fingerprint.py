"""Fingerprint of the library's monthly results: SHA-256 of monthly.parquet per scenario.

Run before and after a change that must not move any number (the counties work: a scenario
without counties is one county and must give the same bytes), then compare the two JSON files:

    python benchmarks/fingerprint.py --json before.json   # on the old code
    python benchmarks/fingerprint.py --json after.json --compare before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

from sim.expected.projection import expected
from sim.experiment.run import run
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = (
    "base",
    "hengyang_township_classes_calibrated",
    "suzhou_seven_channels_calibrated",
    "hanshou_funding",
    "soft_landing",
    "lax_enforcement",
)
REPLICATIONS = 3


def digest(results: object) -> str:
    """SHA-256 of the monthly.parquet that `results` write."""
    with tempfile.TemporaryDirectory() as tmp:
        results.write(tmp)  # type: ignore[attr-defined]
        return hashlib.sha256((Path(tmp) / "monthly.parquet").read_bytes()).hexdigest()


def fingerprints() -> dict[str, str]:
    """Hashes of the six library scenarios at three replications and of base's expected-value twin."""
    out = {}
    for name in SCENARIOS:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        out[name] = digest(run(scenario, replications=REPLICATIONS))
        print(name, out[name], flush=True)
    out["base_twin"] = digest(expected(load_scenario(ROOT / "scenarios" / "base.toml")))
    print("base_twin", out["base_twin"], flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="write the hashes here")
    parser.add_argument("--compare", type=Path, help="hashes to compare with (exit 1 on any difference)")
    args = parser.parse_args()
    found = fingerprints()
    args.json.write_text(json.dumps(found, indent=2) + "\n")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text())
    differ = [k for k in before if before[k] != found.get(k)]
    print("identical" if not differ else f"differ: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
