"""Every report figure as a plotly `Figure`, for notebooks.

Each function takes results (a results folder, a `sim.Results`, a monthly DataFrame) and a
language ('en' or 'zh'), and returns a Figure, or None when the results hold no column the
figure needs::

    import sim
    from sim import figures
    results = sim.run(sim.load_scenario("scenarios/base.toml"), replications=20)
    figures.headcount_fan(results).show()
    figures.cost_by_payer(results, lang="zh").show()

Comparison figures take a list of such results (the first is the reference); sweep figures
take a sweep folder or `sim.report.SweepData`; the robustness view takes
`robustness(sweep, metric, month)`, whose result `robustness_figure` and `prim_figure` draw.
"""

from sim.report.compare_figures import (
    compare_channels,
    compare_differences,
    compare_metric,
    compare_states,
)
from sim.report.rebound_view import rebound_panel
from sim.report.robustness import prim_figure, robustness, robustness_figure
from sim.report.run_figures import (
    RUN_FIGURES,
    channel_queues,
    composition,
    cost_by_component,
    cost_by_payer,
    diversion_sankey,
    funding_pool,
    headcount_fan,
    savings_payback,
    states_over_time,
    township_finances,
)
from sim.report.sweep_figures import sobol_bars, sweep_heatmap, sweep_parcoords, sweep_scatter

rebound_risk = rebound_panel  # the name before the unfinished drive and re-growth were shown apart

__all__ = [
    "RUN_FIGURES",
    "channel_queues",
    "compare_channels",
    "compare_differences",
    "compare_metric",
    "compare_states",
    "composition",
    "cost_by_component",
    "cost_by_payer",
    "diversion_sankey",
    "funding_pool",
    "headcount_fan",
    "prim_figure",
    "rebound_panel",
    "rebound_risk",
    "robustness",
    "robustness_figure",
    "savings_payback",
    "sobol_bars",
    "states_over_time",
    "sweep_heatmap",
    "sweep_parcoords",
    "sweep_scatter",
    "township_finances",
]
