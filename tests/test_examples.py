"""The examples run, and docs/guide.md shows exactly their code.

Every script in examples/ runs in a fresh interpreter with small sizes (2 replications, 5
townships, 2 sweep worlds, a calibration budget of 4) and writes only under a temporary folder.
The notebook (05b) runs the way Jupyter runs it: its cells in one interpreter whose __main__ is
not a file, started in examples/. Each `<!-- example: PATH -->` block of the guide must equal
the file; `python tests/test_examples.py` rewrites the guide's blocks from the files. Every
`fenliu` command in the guide's shell blocks must parse with the CLI's argument parser (running
them is the CLI tests' job).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GUIDE = ROOT / "docs" / "guide.md"
NOTEBOOKS = {"05b_sweep_in_a_notebook.py"}
TIMEOUT = 150  # seconds per example, on a busy 2-core machine
RAN: set[str] = set()  # examples that ran in this session

SMALL = {
    "FENLIU_EXAMPLE_REPLICATIONS": "2",
    "FENLIU_EXAMPLE_TOWNSHIPS": "5",
    "FENLIU_EXAMPLE_POINTS": "2",
    "FENLIU_EXAMPLE_BUDGET": "4",
    "FENLIU_EXAMPLE_WORKERS": "2",
}

BLOCK = re.compile(
    r"<!-- example: (?P<path>\S+) -->\n```python\n(?P<code>.*?)```\n<!-- /example -->",
    re.DOTALL,
)


def guide_blocks(text: str) -> dict[str, str]:
    return {m["path"]: m["code"] for m in BLOCK.finditer(text)}


def sync_guide() -> int:
    """Rewrite every marked block of the guide from its example file; returns how many changed."""
    text = GUIDE.read_text(encoding="utf-8")
    changed = 0

    def fill(m: re.Match[str]) -> str:
        nonlocal changed
        code = (ROOT / m["path"]).read_text(encoding="utf-8")
        changed += code != m["code"]
        return f"<!-- example: {m['path']} -->\n```python\n{code}```\n<!-- /example -->"

    GUIDE.write_text(BLOCK.sub(fill, text), encoding="utf-8")
    return changed


def snapshot() -> set[tuple[str, int]]:
    """Files (and their sizes) the examples must not touch: the project's folders and results/."""
    out = set()
    for folder in ("examples", "scenarios", "results"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                out.add((str(path.relative_to(ROOT)), path.stat().st_size))
    out |= {(p.name, 0) for p in ROOT.iterdir()}
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):
    """One output folder for all examples (06 compares its Dask sweep with 05's), and a check that
    nothing else in the project was written."""
    before = snapshot()
    yield tmp_path_factory.mktemp("examples")
    assert snapshot() == before, "an example wrote outside FENLIU_EXAMPLE_OUT"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(example: Path, out: Path) -> None:
    env = {**os.environ, **SMALL, "FENLIU_EXAMPLE_OUT": str(out)}
    env.pop("FENLIU_DASK_SCHEDULER", None)  # 06: a LocalCluster, whatever the caller's environment
    if example.name in NOTEBOOKS:
        code = f"exec(compile(open({str(example)!r}, encoding='utf-8').read(), 'notebook', 'exec'))"
        command, cwd = [sys.executable, "-c", code], example.parent
    else:
        command, cwd = [sys.executable, str(example)], ROOT
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    seconds = time.perf_counter() - t0
    assert done.returncode == 0, (
        f"{example.name} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stdout.strip(), f"{example.name} printed nothing"
    RAN.add(example.name)
    print(f"{example.name}: {seconds:.1f} s")


def test_results_of_the_examples(out: Path) -> None:
    """What the guide says the examples leave behind (runs after them: same module, file order)."""
    if RAN != {p.name for p in EXAMPLES}:
        pytest.skip("needs every example to have run in this session")
    assert (out / "01-base" / "report.html").is_file() and (out / "01-base" / "report-zh.html").is_file()
    assert (out / "02-my-county" / "my_county.toml").is_file()
    assert (out / "03-roster" / "roster.xlsx").is_file() and (out / "03-roster" / "results" / "manifest.json").is_file()
    assert (out / "04-compare" / "differences.parquet").is_file()
    for sweep in ("05-sweep", "05b-sobol", "06-sweep-dask"):
        assert (out / sweep / "summary.parquet").is_file(), sweep
    p05 = sorted((out / "05-sweep" / "points").glob("*.parquet"))
    p06 = sorted((out / "06-sweep-dask" / "points").glob("*.parquet"))
    assert [p.read_bytes() for p in p05] == [p.read_bytes() for p in p06] and p05
    assert (out / "07-calibrate" / "suzhou_calibrated.toml").is_file()
    assert (out / "08-reproduce" / "again" / "monthly.parquet").is_file()
    assert (out / "09-exits" / "exit_rates.toml").is_file() and (out / "09-exits" / "rates.parquet").is_file()
    robust = (out / "10-robust" / "report.html").read_text("utf-8")  # box plots, regret table, a PRIM box
    for anchor in ('id="robustness"', 'id="robustness-table"', 'id="prim"'):
        assert anchor in robust, anchor
    assert '"type":"box"' in robust and "coverage" in robust and "density" in robust
    assert (out / "11-optimise" / "pareto.parquet").is_file() and (out / "11-optimise" / "point-0.toml").is_file()


def test_every_example_is_in_the_guide_verbatim() -> None:
    blocks = guide_blocks(GUIDE.read_text(encoding="utf-8"))
    shown = {str(p.relative_to(ROOT)) for p in EXAMPLES}
    assert set(blocks) == shown, f"guide blocks {sorted(blocks)} != examples {sorted(shown)}"
    for path, code in blocks.items():
        assert code == (ROOT / path).read_text(encoding="utf-8"), (
            f"docs/guide.md's block of {path} differs from the file; run `python tests/test_examples.py` to copy it"
        )


def guide_commands() -> list[str]:
    """`fenliu ...` lines of the guide's bash blocks."""
    text = GUIDE.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("fenliu "):
                commands.append(line)
    return commands


def test_the_guide_s_fenliu_commands_parse() -> None:
    from sim.cli.main import build_parser

    commands = guide_commands()
    assert len(commands) >= 20
    names = set()
    for line in commands:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)  # comments dropped; shell operators (>, |, &&, ;) are tokens of their own
        ends = [k for k, t in enumerate(tokens) if set(t) <= set("<>|&;")]
        argv = tokens[1 : ends[0] if ends else None]
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse's way of refusing
            if argv and argv[-1] in ("--help", "-h", "--version"):
                continue
            raise AssertionError(f"the guide's command does not parse: {line}") from exc
        names.add(args.command)
    expected = {"run", "validate", "show", "roster", "report", "compare", "sweep", "scenarios", "calibrate"}
    expected |= {"estimate-exits"}
    expected |= {"optimise"}
    assert expected <= names, f"the guide never shows: {sorted(expected - names)}"


if __name__ == "__main__":
    print(f"docs/guide.md: {sync_guide()} example block(s) updated")
