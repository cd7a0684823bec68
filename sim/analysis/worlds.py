"""Whether scenarios describe the same world, so that their paired differences are differences of policy.

A comparison on common random numbers isolates a policy's effect only when the scenarios
start from the same people: the same population (synthetic or roster), the same townships
(their classes, shares and staff), the same start date. Anything else — cuts, channels, money,
enforcement — is policy. `world_differences` names the world keys that differ;
`month0_headcounts` is the evidence in the results themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# Keys that say who and where the scenario's people are, and from when. A township class's
# establishment before the reform is part of the world; its new establishment is policy.
WORLD_PREFIXES = ("population.", "time.start")
WORLD_CLASS_FIELDS = ("name", "share", "staff_admin", "staff_institution", "staff_temporary", "establishment_admin",
                      "establishment_institution")  # fmt: skip


def flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted keys and leaf values of a nested scenario dict (lists of tables indexed by position)."""
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{dotted}.")
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
            for k, item in enumerate(value):
                yield from flatten(item, f"{dotted}.{k}.")
        else:
            yield dotted, value


def is_world_key(key: str) -> bool:
    """Whether a dotted scenario key describes the world rather than the policy."""
    if key.startswith(WORLD_PREFIXES):
        return True
    parts = key.split(".")
    return parts[0] == "township_classes" and parts[-1] in WORLD_CLASS_FIELDS


def differing_keys(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Dotted keys whose values differ between the scenarios (name and description aside), with the values."""
    flat = [dict(flatten(s)) for s in scenarios]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    out = {}
    for key in keys:
        values = [f.get(key) for f in flat]
        if key in ("name", "description") or len({repr(v) for v in values}) == 1:
            continue
        if any(v in ([], ()) for v in values) and any(k.startswith(f"{key}.") for k in keys):
            continue  # an empty list against a filled one: its items' keys say what differs
        out[key] = values
    return out


def world_differences(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The differing keys that describe the world (population, townships, start), with their values."""
    return {k: v for k, v in differing_keys(scenarios).items() if is_world_key(k)}


def policy_differences(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The differing keys that are policy (everything but the world and the run settings)."""
    return {
        k: v
        for k, v in differing_keys(scenarios).items()
        if not is_world_key(k) and not k.startswith(("run.", "output."))
    }


def world_warning(names: Sequence[str], scenarios: Sequence[Mapping[str, Any]], headcounts: Sequence[float]) -> str:
    """A one-paragraph warning when the scenarios describe different worlds, else ''.

    `headcounts` are the mean staff at month 0 per scenario (NaN when unknown): different
    starting staff show a different world even when the keys do not.
    """
    keys = world_differences(scenarios)
    known = [h for h in headcounts if h == h]
    differ_at_start = len(known) > 1 and max(known) - min(known) > 0.5
    if not keys and not differ_at_start:
        return ""
    parts = []
    if differ_at_start:
        staff = ", ".join(f"{n} {h:,.0f}" for n, h in zip(names, headcounts, strict=True))
        parts.append(f"staff at month 0: {staff}")
    shown = list(keys)[:6]
    if shown:
        parts.append("different " + ", ".join(shown) + (f" and {len(keys) - len(shown)} more" if len(keys) > 6 else ""))
    return (
        "warning: these scenarios describe different worlds (" + "; ".join(parts) + "): their paired differences "
        "mix the policy with the place and people, and are not differences of policy. Compare scenarios that "
        "extend the same base, or set the same population (--set)."
    )
