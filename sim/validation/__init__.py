"""Validation of the model against the source documents, and verification of its mechanics.

    import sim.validation as v
    table = v.source_figures("scenarios/targets/suzhou.toml")   # one row per source figure
    checks = v.verification()                                     # closed forms, identities, twin
    v.write_document("docs/validation.md")                        # what `fenliu validate-model` does

Every figure of the source documents that a library scenario claims is tagged in its targets
file as an *input* (it sized the scenario), *fitted* (a calibration target) or *held out*
(used by neither, only compared); the table reports all three with the model's mean and
P5–P95, so a reviewer sees which agreements are built in and which are predictions.
"""

from __future__ import annotations

from sim.validation.document import fingerprint, render, write_document
from sim.validation.figures import source_figures, targets_files
from sim.validation.verification import verification

__all__ = ["fingerprint", "render", "source_figures", "targets_files", "verification", "write_document"]
