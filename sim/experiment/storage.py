"""Atomic file writes: every output is written to a temporary name and renamed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.spreadsheet_cells import neutralise_cell


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary sibling of `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet, atomically, without the index."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def plain_decimal(value: float) -> str:
    """A float as a plain decimal (never scientific notation), to ten significant digits."""
    return np.format_float_positional(value, precision=10, fractional=False, trim="-")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as CSV with plain decimals, atomically."""
    safe = frame.map(neutralise_cell)  # text that a spreadsheet would run as a formula is written as text
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, float_format=plain_decimal))


def write_json(data: Any, path: Path) -> None:
    """Write JSON (UTF-8, indented), atomically."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text, "utf-8")

    atomic_write(path, write)
