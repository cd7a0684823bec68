"""Words of the reports' explanatory parts (Sankey, captions, rebound, comparisons, robustness), en and zh.

Kept apart from `i18n.py`, which merges them in, so that these parts grow without touching
the shared vocabulary.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # Sankey
    "surplus_at_reform": ("Surplus at the reform", "改革时富余人员"),
    "fate_reposted": ("Reposted into a freed post", "补入空出的岗位"),
    "fate_retired": ("Retired while waiting", "待分流期间退休"),
    "fate_left": ("Left while waiting (quit, death)", "待分流期间离职或死亡"),
    "fate_rotating": ("On rotating shifts", "轮流坐班"),
    "people_unit": ("people", "人"),
    "sankey_total": (
        "Every one of the {n} people declared surplus at the reform (mean over replications) is drawn.",
        "改革时确定的 {n} 名富余人员(各次重复均值)全部画出。",
    ),
    "sankey_partial": (
        "These results do not count the surplus's other paths (reposted, retired or left while waiting): "
        "only channels and those still waiting are drawn.",
        "此结果未统计富余人员的其他去向(补入空岗、待分流期间退休或离职),图中只有各渠道和仍在等待者。",
    ),
}

METRICS: dict[str, tuple[str, str]] = {
    "surplus_cumulative": ("Surplus at the reform", "改革时富余人员"),
    "surplus_reposted_cumulative": ("Surplus reposted into freed posts, cumulative", "累计补入空岗的富余人员"),
    "surplus_retired_cumulative": ("Surplus retired while waiting, cumulative", "累计待分流期间退休"),
    "surplus_left_cumulative": ("Surplus left while waiting, cumulative", "累计待分流期间离职或死亡"),
}
