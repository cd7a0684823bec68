"""Build the month-0 staff population a scenario asks for."""

from __future__ import annotations

import numpy as np

from sim.errors import InputError
from sim.population.roster import read_roster
from sim.population.synthetic import synthetic_population
from sim.population.table import Population
from sim.scenario.schema import Scenario

MIN_AGE, MAX_AGE = 16, 100  # years at month 0
MAX_SALARY = 1e7  # yuan per month (the scenario's bound on yuan/month)


def build_population(scenario: Scenario, seed: int) -> Population:
    """Read the scenario's roster, or draw a synthetic population from `seed`."""
    population = scenario.population
    if population.source == "roster":
        if not population.roster:
            raise InputError("population.source = 'roster' needs population.roster (a file path)")
        roster = check_population(read_roster(population.roster, scenario), scenario, population.roster)
        listed = sum(c.townships for c in scenario.counties)
        if scenario.counties and listed != len(roster.townships):
            raise InputError(
                f"counties: their townships add up to {listed}, but the roster has {len(roster.townships)} "
                "townships (counties take the roster's townships in order)",
                source=population.roster,
            )
        return roster
    return synthetic_population(scenario, seed)


def check_population(population: Population, scenario: Scenario, source: str) -> Population:
    """Refuse people no township employs: aged outside 16-100 at month 0, pay or appraisal not a finite number
    in its domain (the message names the file, the person's id and the column).
    """
    age = (scenario.time.start_abs - population.birth) / 12.0
    checks = (
        (
            "birth_date",
            (age < MIN_AGE) | (age > MAX_AGE),
            f"expected an age from {MIN_AGE} to {MAX_AGE} years at month 0 ({scenario.time.start})",
            age,
            "years old",
        ),
        (
            "salary",
            ~np.isfinite(population.salary) | (population.salary < 0) | (population.salary > MAX_SALARY),
            f"expected a monthly salary from 0 to {MAX_SALARY:g} yuan/month",
            population.salary,
            "yuan/month",
        ),
        (
            "appraisal",
            ~np.isfinite(population.appraisal),
            "expected a finite appraisal score",
            population.appraisal,
            "points",
        ),
    )
    for column, bad, expected, values, unit in checks:
        rows = np.flatnonzero(bad)
        if len(rows):
            i = int(rows[0])
            more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
            raise InputError(
                f"column {column!r}, person id {population.ids[i]!r}: {expected}, found {values[i]:g} {unit}{more}",
                source=source,
            )
    return population
