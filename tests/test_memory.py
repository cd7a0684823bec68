"""Memory flat in replications: `fenliu run -n 50` peaks within 15% of `-n 5`.

Each run is a fresh process reporting its own peak RSS. Before the engine broke its
reference cycles, every replication of this 20-township city (60 months) left about 4 MB
behind: -n 50 peaked at 372 MB against 176 MB for -n 5; since then, 170 against 162 MB.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import resource, sys
from sim.cli.main import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _peak_mb(replications: int, out: Path) -> float:
    argv = ["run", str(ROOT / "scenarios" / "base.toml"), "-n", str(replications), "--out", str(out)]
    argv += ["--no-report", "--set", "population.synthetic.townships=20", "--set", "time.horizon_months=60"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def test_peak_memory_does_not_grow_with_replications(tmp_path: Path) -> None:
    few = _peak_mb(5, tmp_path / "n5")
    many = _peak_mb(50, tmp_path / "n50")
    assert many <= few * 1.15, f"peak {many:.0f} MB with 50 replications against {few:.0f} MB with 5"
