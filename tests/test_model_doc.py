"""docs/model.md (the ODD description) mentions every scenario key of docs/scenario-reference.md.

A key counts as mentioned when it appears in `docs/model.md` as a whole code span, e.g.
`reform.cut_admin`. Both files' keys pass through one normalisation (`normalise`): a list
index segment — the reference's `N`, a number as on the command line (`0`), `*`, `<n>` or
`<name>` — becomes `*`. So the reference's `township_classes.N.staff_admin` is matched by
`township_classes.N.staff_admin`, `township_classes.*.staff_admin` or
`township_classes.0.staff_admin`. Channel keys are not folded together: each of
`channels.teacher.open` … `channels.police.open` must be there.

The reverse holds too: a key-like code span in docs/model.md whose first segment is a
scenario section must name a key (or a section) of the reference, so renamed or removed
keys do not linger in the description. There, another `<placeholder>` (such as `<id>` in
`channels.<id>.open`) stands for any one segment.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "scenario-reference.md"
MODEL = ROOT / "docs" / "model.md"

ROW = re.compile(r"^\| `([^`|]+)` \|", re.MULTILINE)  # first cell of a reference table row
SPAN = re.compile(r"`([^`\n]+)`")  # an inline code span
KEY_LIKE = re.compile(r"[a-z_]+(?:\.[A-Za-z0-9_<>*]+)+")
INDEX = "*"
INDEX_SEGMENTS = frozenset({"N", "*", "<n>", "<N>", "<name>"})


def normalise(key: str) -> str:
    """The key with every list-index segment (N, 0, 1, …, *, <n>, <name>) written as `*`."""
    parts = key.strip().split(".")
    return ".".join(INDEX if part in INDEX_SEGMENTS or part.isdigit() else part for part in parts)


def reference_keys(text: str) -> list[str]:
    """Normalised keys of the reference's tables, in order."""
    return [normalise(key) for key in ROW.findall(text)]


def mentions(text: str) -> set[str]:
    """Normalised code spans of a Markdown text."""
    return {normalise(span) for span in SPAN.findall(text)}


def missing_keys(reference: str, model: str) -> list[str]:
    """Reference keys that the model description never mentions."""
    said = mentions(model)
    return [key for key in reference_keys(reference) if key not in said]


def _segment_matches(pattern: str, segment: str) -> bool:
    wildcard = pattern.startswith("<") and pattern.endswith(">") and pattern not in INDEX_SEGMENTS
    return wildcard or pattern == segment


def _names_a_key(span: str, keys: list[str]) -> bool:
    """Whether `span` (normalised) is a key of `keys` or a section above one."""
    parts = span.split(".")
    for key in keys:
        segments = key.split(".")
        if len(segments) >= len(parts) and all(_segment_matches(p, s) for p, s in zip(parts, segments, strict=False)):
            return True
    return False


def unknown_keys(reference: str, model: str) -> list[str]:
    """Key-like code spans of the model description that name no key of the reference."""
    keys = reference_keys(reference)
    sections = {key.split(".")[0] for key in keys}
    out = []
    for span in sorted({s.strip() for s in SPAN.findall(model)}):
        if KEY_LIKE.fullmatch(span) and span.split(".")[0] in sections and not _names_a_key(normalise(span), keys):
            out.append(span)
    return out


def _texts() -> tuple[str, str]:
    assert REFERENCE.exists(), "docs/scenario-reference.md is missing; run: python -m sim.scenario.reference"
    assert MODEL.exists(), "docs/model.md is missing"
    return REFERENCE.read_text(encoding="utf-8"), MODEL.read_text(encoding="utf-8")


def test_the_reference_has_keys_to_check() -> None:
    reference, _ = _texts()
    keys = reference_keys(reference)
    assert len(keys) > 100
    assert "reform.cut_admin" in keys
    assert "township_classes.*.staff_admin" in keys
    assert "channels.teacher.places_per_year" in keys
    assert "name" in keys


def test_every_scenario_key_is_described_in_the_model() -> None:
    reference, model = _texts()
    missing = missing_keys(reference, model)
    assert not missing, (
        f"{len(missing)} scenario key(s) of docs/scenario-reference.md are not described in docs/model.md "
        "(write each as a dotted key in backticks, list indices as N): " + ", ".join(missing)
    )


def test_the_model_names_no_key_that_the_schema_lacks() -> None:
    reference, model = _texts()
    unknown = unknown_keys(reference, model)
    assert not unknown, "docs/model.md names scenario keys that docs/scenario-reference.md lacks: " + ", ".join(unknown)


def test_normalisation_of_list_indices() -> None:
    assert normalise("township_classes.N.staff_admin") == "township_classes.*.staff_admin"
    assert normalise("township_classes.0.staff_admin") == "township_classes.*.staff_admin"
    assert normalise("pool.contributors.<n>.amount") == "pool.contributors.*.amount"
    assert normalise("attrition.age_bands.*.quit_rate") == "attrition.age_bands.*.quit_rate"
    assert normalise("channels.teacher.open") == "channels.teacher.open"
    assert normalise("name") == "name"


def test_a_missing_key_is_caught() -> None:
    reference = (
        "| key | type |\n|---|---|\n| `reform.cut_admin` | float |\n| `township_classes.N.share` | float |\n"
        "| `channels.police.open` | bool |\n"
    )
    model = "The cut `reform.cut_admin` and `township_classes.0.share`; `channels.<id>.open` is generic."
    assert missing_keys(reference, model) == ["channels.police.open"]
    assert missing_keys(reference, model + " Police: `channels.police.open`.") == []


def test_a_stale_key_is_caught() -> None:
    reference = "| `reform.cut_admin` | float |\n| `channels.teacher.open` | bool |\n"
    model = (
        "`reform.cut_admin`, `reform` and `channels.<id>.open` are fine; `reform.cut_old` is not; "
        "`sim.engine` and `cost_total` are not keys."
    )
    assert unknown_keys(reference, model) == ["reform.cut_old"]


def test_removing_a_mention_from_the_real_description_is_caught() -> None:
    reference, model = _texts()
    key = next(k for k in reversed(reference_keys(reference)) if INDEX not in k.split("."))
    assert key not in missing_keys(reference, model)
    assert key in missing_keys(reference, model.replace(f"`{key}`", "the key"))
