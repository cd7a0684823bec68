"""Named random streams per replication, so that adding a stream never shifts another.

Each stream is `SeedSequence(seed, spawn_key=(replication, code))`, with a fixed code per
name. Draws that matter for common random numbers are made per person, in person order,
at the start of a replication: two scenarios run on the same population and seed give the
same person the same numbers.
"""

from __future__ import annotations

import numpy as np

STREAMS = {
    "attrition": 1,
    "selection": 2,
    "hiring": 3,
    "channels": 4,
    "exams": 5,
    "pool": 6,
    "returns": 7,
    "overquota": 8,
    "training": 9,
    "rotation": 10,
}


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream `name` in replication `replication` of root `seed`."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, STREAMS[name])))
