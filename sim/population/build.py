"""Build the month-0 staff population a scenario asks for."""

from __future__ import annotations

from sim.errors import InputError
from sim.population.roster import read_roster
from sim.population.synthetic import synthetic_population
from sim.population.table import Population
from sim.scenario.schema import Scenario


def build_population(scenario: Scenario, seed: int) -> Population:
    """Read the scenario's roster, or draw a synthetic population from `seed`."""
    population = scenario.population
    if population.source == "roster":
        if not population.roster:
            raise InputError("population.source = 'roster' needs population.roster (a file path)")
        return read_roster(population.roster, scenario)
    return synthetic_population(scenario, seed)
