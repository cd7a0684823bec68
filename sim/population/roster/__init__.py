"""Real-name rosters (编制实名制花名册): reading English or Chinese files, checking them, writing them.

Modules by concern: `encoding` (UTF-8/GBK detection), `headers` (column spellings, column
map, header row), `vocabulary` (cell words), `values` (dates and numbers), `frame` (a file's
data rows), `townships` (the townships file), `reader` (into a Population), `checks` (the
data-quality report of `fenliu roster check`), `workbook` (the bad-rows workbook), `writer`.
"""

from sim.population.roster.headers import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    SYNONYMS,
    TOWNSHIP_COLUMNS,
    ColumnMap,
    load_column_map,
)
from sim.population.roster.problems import MAX_PROBLEMS, Problem
from sim.population.roster.reader import RosterReading, parse_roster, read_roster
from sim.population.roster.vocabulary import APPRAISAL_WORDS, LEADER_POSTS
from sim.population.roster.writer import roster_frame, write_roster, write_townships

__all__ = [
    "APPRAISAL_WORDS",
    "LEADER_POSTS",
    "MAX_PROBLEMS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ROSTER_COLUMNS",
    "SYNONYMS",
    "TOWNSHIP_COLUMNS",
    "ColumnMap",
    "Problem",
    "RosterReading",
    "load_column_map",
    "parse_roster",
    "read_roster",
    "roster_frame",
    "write_roster",
    "write_townships",
]
