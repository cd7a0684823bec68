"""Fingerprint the monthly outputs of library scenarios: sha256 of monthly.parquet per scenario.

Used to check that a speed or memory change leaves every number as it was: run before and
after the change and compare the printed hashes (they must be identical).

    python benchmarks/fingerprint.py [--replications 3] [--json fingerprints.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

import sim
from sim.expected import expected
from sim.experiment import run

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("base", "hengyang_township_classes", "suzhou_seven_channels", "soft_landing", "hanshou_funding")


def fingerprint(results: object, folder: Path) -> str:
    """sha256 of the monthly.parquet that `results` saves."""
    path = folder / "monthly.parquet"
    results.monthly.to_parquet(path)  # type: ignore[attr-defined]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    """Print (and optionally write) one hash per scenario, the twin's for base too."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCENARIOS:
            scenario = sim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
            out[name] = fingerprint(run(scenario, replications=args.replications), Path(tmp))
            print(f"{name:32s} {out[name]}", flush=True)
        twin = sim.load_scenario(ROOT / "scenarios" / "base.toml")
        out["base (expected-value twin)"] = fingerprint(expected(twin), Path(tmp))
        print(f"{'base (expected-value twin)':32s} {out['base (expected-value twin)']}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
