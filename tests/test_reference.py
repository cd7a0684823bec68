"""docs/scenario-reference.md is generated from the schema and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from sim.scenario import reference
from sim.scenario.schema import Scenario, Section, doc

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"


def test_committed_reference_is_current() -> None:
    assert DOC.exists(), "docs/scenario-reference.md is missing; run: python -m sim.scenario.reference"
    assert DOC.read_text(encoding="utf-8") == reference.generate(), (
        "docs/scenario-reference.md is out of date; run: python -m sim.scenario.reference"
    )


def _leaves(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        if isinstance(value, dict):
            keys.extend(_leaves(value, f"{prefix}{key}."))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            keys.extend(_leaves(value[0], f"{prefix}{key}.{reference.INDEX}."))
        else:
            keys.append(prefix + key)
    return keys


def test_every_key_of_the_schema_is_documented() -> None:
    text = reference.generate()
    for key in _leaves(Scenario().model_dump(mode="json")):
        documented = f"| `{key}` |" in text or f"\n## {key}.{reference.INDEX}\n" in text  # an empty list of tables
        assert documented, f"{key} missing from the reference"


def test_sections_rows_types_units_and_defaults() -> None:
    text = reference.generate()
    assert "\n## reform\n" in text
    assert "\n## reform.merit\n" in text
    assert "\n## township_classes.N\n" in text
    assert "\n## attrition.age_bands.N\n" in text
    assert "| `reform.cut_admin` | float in [0, 1] | `0.1` | share |" in text
    assert "| `time.horizon_months` | int ≥ 1 | `120` | months |" in text
    assert "| `township_classes.N.establishment_admin` | int ≥ 0, or unset | `unset` | posts |" in text
    assert '| `reform.selection_rule` | one of "merit", "seniority", "random" | `"merit"` |' in text
    assert "| `attrition.age_bands.N.quit_rate` | float ≥ 0 | `0.0` | 1/year |" in text


class _Item(Section):
    """An item of a new list section."""

    size: Annotated[float, Field(gt=0, lt=10)] = doc("Size of the item.", "m", default=1.5)


class _Inner(Section):
    """A nested sub-section."""

    mode: Literal["a", "b"] = doc("Mode.", default="a")


class _NewSection(Section):
    """A section the engine might add later."""

    rate: Annotated[float, Field(ge=0, le=1)] = doc("A rate | with a pipe.", "1/year", default=0.25)
    count: int | None = doc("A count.", default=None)
    inner: _Inner = Field(default_factory=_Inner)
    items: tuple[_Item, ...] = doc("Items.", default=(_Item(size=2.0),))
    named: dict[str, _Item] = doc("Named items.", default={})


class _Extended(Scenario):
    """A scenario with one more section."""

    newcomer: _NewSection = Field(default_factory=_NewSection)


def test_new_sections_are_picked_up_without_changes() -> None:
    text = reference.generate(_Extended)
    assert "\n## newcomer\n\nA section the engine might add later.\n" in text
    assert "| `newcomer.rate` | float in [0, 1] | `0.25` | 1/year | A rate \\| with a pipe. |" in text
    assert "| `newcomer.count` | int, or unset | `unset` |  | A count. |" in text
    assert "\n## newcomer.inner\n" in text
    assert '| `newcomer.inner.mode` | one of "a", "b" | `"a"` |' in text
    assert "\n## newcomer.items.N\n" in text
    assert "[[newcomer.items]]\nsize = 2.0" in text
    assert "| `newcomer.items.N.size` | float in (0, 10) | `1.5` | m |" in text
    assert "\n## newcomer.named.<name>\n" in text


def test_check_flag(tmp_path: Path) -> None:
    target = tmp_path / "reference.md"
    cmd = [sys.executable, "-m", "sim.scenario.reference", "--output", str(target)]
    missing = subprocess.run([*cmd, "--check"], capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 1
    wrote = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert wrote.returncode == 0, wrote.stderr
    assert target.read_text(encoding="utf-8") == reference.generate()
    current = subprocess.run([*cmd, "--check"], capture_output=True, text=True, timeout=60, check=False)
    assert current.returncode == 0, current.stderr
    target.write_text(target.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    stale = subprocess.run([*cmd, "--check"], capture_output=True, text=True, timeout=60, check=False)
    assert stale.returncode == 1
    assert "out of date" in stale.stderr
