"""`fenliu validate-model`: regenerate docs/validation.md (source figures by role, verification checks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import check_replications
from sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the validate-model command."""
    p = sub.add_parser(
        "validate-model",
        help="run the library's sourced scenarios and the verification checks; write docs/validation.md",
        description=(
            "For every targets file in scenarios/targets/ that names a scenario, run it and compare each source "
            "figure (tagged input, fitted or held out) with the model's mean and P5–P95; run the verification "
            "checks (closed forms, conservation, the pool's identity, the engine against the expected-value twin); "
            "write one table."
        ),
    )
    p.add_argument("--root", default=".", help="the project folder holding scenarios/ and sim/ (default: .)")
    p.add_argument("--out", default=None, help="file to write (default: ROOT/docs/validation.md)")
    p.add_argument(
        "--replications", "-n", type=int, default=None, help="replications per scenario (default: each file's)"
    )
    p.add_argument("--check", action="store_true", help="only say whether the table is up to date (exit 1 if stale)")
    p.set_defaults(handler=validate_model_command)


def validate_model_command(args: argparse.Namespace) -> int:
    """Write the validation table, or check that it is current."""
    from sim.validation import fingerprint, write_document
    from sim.validation.document import FINGERPRINT

    check_replications(args.replications, least=2)
    root = Path(args.root)
    if not (root / "scenarios" / "targets").is_dir():
        raise InputError("no scenarios/targets folder here; give --root the project folder", source=str(root))
    out = Path(args.out) if args.out else root / "docs" / "validation.md"
    if args.check:
        found = FINGERPRINT.search(out.read_text("utf-8")) if out.is_file() else None
        current = fingerprint(root, args.replications)
        if found is None or found.group(1) != current:
            print(f"{out} is stale: run `fenliu validate-model`", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    if out.is_dir():
        raise InputError("--out is a folder; expected a file name such as docs/validation.md", source=str(out))
    try:  # the output place is checked before anything runs
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder of --out: {exc.strerror}", source=str(out.parent)) from None
    write_document(out, root, args.replications, lambda line: print(line, file=sys.stderr, flush=True))
    print(f"wrote {out}")
    return 0
