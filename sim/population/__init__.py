"""Staff populations: real-name rosters and synthetic draws."""

from sim.population.build import build_population
from sim.population.roster import ROSTER_COLUMNS, read_roster, write_roster, write_townships
from sim.population.table import EDUCATION, SECTORS, Population, Townships

__all__ = [
    "EDUCATION",
    "ROSTER_COLUMNS",
    "SECTORS",
    "Population",
    "Townships",
    "build_population",
    "read_roster",
    "write_roster",
    "write_townships",
]
