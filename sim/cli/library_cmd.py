"""`fenliu scenarios`: the scenario library, one line each."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import InputError
from sim.scenario import load_scenario

DEFAULT_DIR = "scenarios"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the scenarios command."""
    p = sub.add_parser("scenarios", help="list the scenario library with a one-line description each")
    p.add_argument("--dir", default=None, help="folder of scenario files (default: ./scenarios)")
    p.set_defaults(handler=scenarios_command)


def library_folder(folder: str | None) -> Path:
    """The folder to list: the one given, ./scenarios, or the library beside the installed package."""
    if folder is not None:
        path = Path(folder)
        if not path.is_dir():
            raise InputError(f"--dir {folder!r}: not a folder")
        return path
    here = Path(DEFAULT_DIR)
    if here.is_dir():
        return here
    beside = Path(__file__).resolve().parents[2] / DEFAULT_DIR
    if beside.is_dir():
        return beside
    raise InputError("no scenarios/ folder here; give one with --dir")


def library(folder: Path) -> list[tuple[str, str, str | None]]:
    """(file, description, error) for every scenario file directly in `folder`, in name order."""
    rows: list[tuple[str, str, str | None]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            rows.append((path.name, "", str(exc).splitlines()[0]))
            continue
        rows.append((path.name, scenario.description or scenario.name, None))
    return rows


def scenarios_command(args: argparse.Namespace) -> int:
    """Print the library; exit code 2 if a file in it does not validate."""
    folder = library_folder(args.dir)
    rows = library(folder)
    if not rows:
        print(f"no scenario files in {folder}/")
        return 0
    width = max(len(name) for name, _, _ in rows)
    print(f"scenarios in {folder}/ (run one with: fenliu run {folder}/FILE)")
    for name, description, error in rows:
        print(f"  {name:<{width}}  {description if error is None else 'INVALID: ' + error}")
    return 2 if any(error for _, _, error in rows) else 0
