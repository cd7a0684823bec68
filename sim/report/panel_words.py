"""Words of the reports' explanatory panels (Sankey, captions, rebound, comparisons, robustness), en and zh.

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

TEXT.update(
    {
        # sweeps
        "policy": ("policy", "政策"),
        "world": ("world", "情景"),
        "sobol_S1": ("First order (S1)", "一阶(S1)"),
        "sobol_ST": ("Total (ST)", "总效应(ST)"),
        "sobol_index": ("Sobol index", "Sobol 指数"),
        "sec_sobol_at": (
            "Sensitivity of {metric} in {month} (Sobol indices)",
            "{month}{metric}的敏感性(Sobol 指数)",
        ),
        "note_sobol_at": (
            "Share of the variance of {metric} in {month} due to each input alone (S1) and with its "
            "interactions (ST); 'replication' is chance. Bars: 95% bootstrap intervals; indices outside 0–1 and "
            "wide bars mean too few base samples to tell.",
            "{month}{metric}的方差中由各输入单独(S1)及连同交互作用(ST)解释的比例;“replication”为随机性。"
            "误差线:95% 自助法区间;指数超出 0–1 或区间很宽,说明基础样本太少,无法区分。",
        ),
        "sec_sweep_scatter_at": ("{metric} in {month} against each parameter", "{month}{metric}与各参数"),
        "selector_metric": ("Metric", "指标"),
        "selector_month": ("Month", "月份"),
        "sec_selector": ("Any metric, any month", "任选指标与月份"),
        "note_selector": (
            "Choose a metric and a summary month: the points show the mean per design point. The other panels "
            "show {metric} in {month}; `fenliu report SWEEP --metric M --month N` redraws them all.",
            "选择指标和汇总月份:点为各设计点的均值。其他图显示{month}的{metric};"
            "用 `fenliu report SWEEP --metric 指标 --month 月份` 重画全部图。",
        ),
        "sweep_shows": ("Shown: {metric} in {month}", "显示:{month}的{metric}"),
    }
)

TEXT.update(
    {
        # policy robustness and scenario discovery
        "sec_robustness": ("Which policy is robust", "哪项政策稳健"),
        "rob_outcome": ("{metric}, {month}, across worlds", "{month}{metric}(各情景)"),
        "rob_regret": ("Regret against the best policy in each world", "与各情景最优政策相比的遗憾值"),
        "rob_regret_axis": ("Shortfall from the best, {metric}", "与最优之差:{metric}"),
        "note_robustness": (
            "Each point is one sampled world (mean over replications) of {metric} in {month}; {goal}. "
            "Regret: how far a policy falls short of the best policy in the same world. Most robust (smallest "
            "worst regret): {policy}, never more than {regret} short in {worlds} worlds.",
            "每个点为一个抽样情景(各次重复均值){month}的{metric};{goal}。遗憾值:同一情景中与最优政策之差。"
            "最稳健(最大遗憾值最小):{policy},在 {worlds} 个情景中与最优之差不超过 {regret}。",
        ),
        "rob_goal_min": ("less is better", "越少越好"),
        "rob_goal_max": ("more is better", "越多越好"),
        "sec_rob_table": ("Policies ranked by worst regret", "按最大遗憾值排序的政策"),
        "rob_median": ("Median across worlds", "各情景中位数"),
        "rob_worst10": ("Worst tenth of worlds", "最差的十分之一情景"),
        "rob_mean_regret": ("Mean regret", "平均遗憾值"),
        "rob_max_regret": ("Worst regret", "最大遗憾值"),
        "rob_best_in": ("Best in worlds", "最优的情景数"),
        "sec_prim": (
            "When does the robust policy do worst? (scenario discovery, PRIM)",
            "稳健政策何时表现最差?(情景发现,PRIM)",
        ),
        "prim_trajectory": ("Peeling trajectory", "剥离轨迹"),
        "prim_limits": ("The box: ranges of the uncertain inputs", "盒子:不确定输入的范围"),
        "prim_coverage": ("coverage", "覆盖率"),
        "prim_density": ("density", "密度"),
        "prim_mass": ("mass", "质量"),
        "prim_dims": ("inputs restricted", "受限输入数"),
        "prim_range": ("Share of the sampled range", "占抽样范围的比例"),
        "rob_above": ("above", "高于"),
        "rob_below": ("below", "低于"),
        "prim_what": (
            "Policy {policy} counts as failing in a world where {metric} in {month} is {worse} {threshold} "
            "(its worst quarter of worlds).",
            "政策 {policy}:{month}{metric}{worse} {threshold} 的情景算作失败(其最差的四分之一情景)。",
        ),
        "prim_found": (
            "It fails in {failures} of {cases} worlds ({base}). PRIM's box — {ranges} — holds {coverage} of the "
            "failures (coverage), and {density} of the worlds inside it fail (density); it spans {mass} of the "
            "worlds. ",
            "该政策在 {cases} 个情景中失败 {failures} 个({base})。PRIM 盒子 — {ranges} — 包含 {coverage} 的失败情景"
            "(覆盖率),盒内 {density} 的情景失败(密度);盒子占全部情景的 {mass}。",
        ),
        "prim_star_dense": (
            "Star: the box shown — the most failures kept at a density of {min} or more.",
            "星号:所示盒子——在密度不低于 {min} 的前提下保留失败情景最多。",
        ),
        "prim_star_densest": (
            "Star: the box shown — no step of the peeling reached a density of {min}, so this is the densest; read "
            "it as where failures are likelier, not as where they concentrate.",
            "星号:所示盒子——剥离过程没有一步达到 {min} 的密度,故取密度最高的一步;它只说明失败较多之处,"
            "并非失败集中之处。",
        ),
        "prim_none": ("No box: {why}.", "无盒子:{why}。"),
        "prim_whole": ("the whole sampled space", "整个抽样空间"),
    }
)

TEXT.update(
    {
        # comparisons: what differs → what it did
        "sec_cmp_what": ("What differs → what it did", "有何不同 → 带来什么结果"),
        "note_cmp_what": (
            "Per scenario against the reference: the parameters that differ, then the paired differences "
            "(mean [95% interval]) of the headline outcomes. Money in million yuan.",
            "各方案与基准相比:不同的参数,以及主要结果的配对差异(均值 [95% 区间])。金额单位:万元。",
        ),
        "cmp_vs": ("{name} vs {ref}", "{name} 对比 {ref}"),
        "cmp_differs": ("Differs:", "不同之处:"),
        "cmp_did": ("What it did:", "带来的结果:"),
        "cmp_more": ("and {n} more (table at the bottom)", "另有 {n} 项(见页末表格)"),
        "cmp_same_world": ("Same world, different policy", "同一情形,不同政策"),
        "cmp_world_differs": ("A different world", "不同的情形"),
        "cmp_worlds": (
            "Warning: these scenarios describe different worlds (staff at month 0: {staff}; different {keys}). "
            "Their paired differences mix the policy with the place and its people: they are not differences "
            "of policy. Compare scenarios that extend the same base, or set the same population.",
            "警告:这些方案描述的是不同的情形(第0月实有人员:{staff};不同的 {keys})。配对差异混合了政策与地区、"
            "人员的差别,并非政策的差异。请比较继承同一基础方案的方案,或设置相同的人员。",
        ),
    }
)

TEXT.update(
    {
        # rebound: unfinished drive and re-growth apart
        "sec_rebound_split": ("Unfinished drive and re-growth", "未完成的分流与反弹(重新增长)"),
        "note_rebound_split": (
            "Unfinished drive: surplus not yet placed (awaiting + rotating) — the reform not finished, not a "
            "rebound. Re-growth: people added after the drive beyond establishment (over-establishment hires not "
            "undone, returnees). Lower panel: P(staff of the establishment sectors over establishment), split into "
            "'only because the drive is unfinished' and 'because of re-growth' (temporaries have no establishment).",
            "未完成的分流:尚未安置的富余人员(待岗 + 轮岗),是改革尚未完成,不是反弹。重新增长:分流后超出编制新增的"
            "人员(未纠正的超编进人、回流人员)。下图:编制内部门人员超编的概率,分为“仅因分流未完成”和“因重新增长”"
            "(临时人员没有编制)。",
        ),
        "rb_people": ("People", "人数"),
        "rb_probability": ("Probability of being over establishment, by cause", "超编概率(按原因)"),
        "rb_unfinished": ("Unfinished drive (awaiting + rotating)", "未完成的分流(待岗 + 轮岗)"),
        "rb_regrowth": ("Re-growth (over-establishment hires, returnees)", "重新增长(超编进人、回流)"),
        "rb_regrowth_upper": (
            "Re-growth, upper bound (hires and returns ever made)",
            "重新增长上限(累计超编进人与回流)",
        ),
        "rb_p_over": ("P(over establishment), either cause", "超编概率(任一原因)"),
        "rb_p_over_unfinished": ("P(over only because the drive is unfinished)", "仅因分流未完成而超编的概率"),
        "rb_p_over_regrowth": ("P(over because of re-growth)", "因重新增长而超编的概率"),
        "rb_card_title": ("Re-growth after the drive (rebound)", "分流后的重新增长(反弹)"),
        "rb_share": ("re-growth share of the cut achieved, horizon", "期末重新增长占实际精简人数的比例"),
        "rb_card_regrowth_p": (
            "P(over establishment because of re-growth), horizon: {p}",
            "期末因重新增长而超编的概率:{p}",
        ),
        "rb_card_unfinished": (
            "not rebound — unfinished drive, {when}: {n} people; P(over only because of it) {p}",
            "不属于反弹 — {when}未完成的分流:{n} 人;仅因此超编的概率 {p}",
        ),
        "rb_upper_note": (
            "older results: re-growth counts every hire and return ever made (an upper bound)",
            "旧结果:重新增长按累计超编进人与回流计(上限)",
        ),
    }
)

TEXT.update(
    {
        # captions under the money panels
        "cap_pool": (
            "Balance: money in the severance pool at each month's end; contributions: what each contributor has "
            "paid in; waiting: surplus people who chose a paid channel and wait for the pool to have their money.",
            "余额:每月末补偿金资金池中的资金;出资:各出资方累计投入;等待:选择了需付款渠道、等待资金池付款的富余人员。",
        ),
        "cap_pool_dry": (
            "The pool runs dry by the deadline (month {deadline}) in {dry} of replications: {waiting} people wait "
            "for money then (peak {peak} at month {peak_month}; {end} at the horizon). They stay on the payroll "
            "until paid — the savings line counts their pay — and the one-time cost ({one_time} million yuan) is "
            "what was paid out, when money came in.",
            "期限(第{deadline}月)前资金池见底的重复次数比例为 {dry}:届时有 {waiting} 人等待资金(第{peak_month}月"
            "最多 {peak} 人;期末 {end} 人)。他们在付款前仍领工资 — 节约曲线已计入这部分工资 — 一次性成本"
            "({one_time} 万元)是资金到位时实际支付的金额。",
        ),
        "cap_pool_payback": (
            "Payback still comes in month {payback}: the cut itself (posts not refilled, the diverted off the payroll) "
            "saves from the reform on, and the waiting only delay part of it.",
            "回本仍在第{payback}月:精简本身(岗位不再补充、分流人员离开工资名册)从改革起就产生节约,等待只推迟了其中一部分。",
        ),
        "cap_cost": (
            "Yearly sums of the mean monthly cost. One-time costs (severance, pension buy-in, placement) fall in the "
            "years they are paid, which a short pool pushes later; salaries moved to education or public security "
            "are still paid, by another budget.",
            "月均成本按年合计。一次性成本(退职金、养老保险补缴、安置补助)计入实际支付的年份,资金池不足会使其推后;"
            "转入教育或公安的工资仍在支付,只是由其他预算承担。",
        ),
        "cap_savings": (
            "Savings: cost without the reform minus cost with it, summed from month 0 (same people, same chance). "
            "Whole government counts every payer; the township view only what townships pay.",
            "节约:不改革时的成本减去改革后的成本,从第0月起累计(同样的人员、同样的随机数)。"
            "政府整体口径计入所有支付方;乡镇口径只计乡镇支付的部分。",
        ),
        "cap_finances": (
            "Fiscal gap: what townships spend above their own revenue and transfers, per year; debt: the gaps "
            "accumulated (never below zero).",
            "财政缺口:乡镇每年支出超过自有收入与转移支付的部分;债务:缺口的累计(不低于零)。",
        ),
        "cap_debt_savings": (
            "Debt rises from {d0} to {d1} million yuan although townships save {saved} million against no reform: "
            "savings are measured against no reform, not against zero — their cost still exceeds revenue and "
            "transfers (gaps of {gap} million over the horizon), so they go on borrowing. Savings lower the cost; "
            "the gap is what revenue and transfers leave uncovered.",
            "虽然乡镇相对于不改革节约了 {saved} 万元,债务仍从 {d0} 增至 {d1} 万元:节约是相对于不改革而言,"
            "而非相对于零 — 乡镇支出仍超过收入与转移支付(期内缺口 {gap} 万元),因此继续举债。节约降低的是成本;"
            "缺口是收入与转移支付未能覆盖的部分。",
        ),
        "cap_withheld": (
            "Transfers withheld (fiscal.withhold_share): from the deadline (month {deadline}) {share} of transfers "
            "({amount} yuan a month per township) are kept back from each township still over its own "
            "establishment{over}{most}. That raises the townships' fiscal gap, not the reform's cost: the money "
            "stays with the higher level.",
            "扣减转移支付(fiscal.withhold_share):自期限(第{deadline}月)起,对仍超过本乡镇编制的乡镇扣减 {share} 的"
            "转移支付(每乡镇每月 {amount} 元){over}{most}。这增加的是乡镇财政缺口,而非改革成本:资金留在上级。",
        ),
        "cap_withheld_over": (
            " (at the deadline, {k} of {n} townships on average)",
            "(期限时平均 {n} 个乡镇中有 {k} 个超编)",
        ),
        "cap_withheld_most": (
            "; at most {most} million yuan over the horizon if all {n} townships stayed over",
            ";若 {n} 个乡镇一直超编,期内最多 {most} 万元",
        ),
    }
)

TEXT.update(
    {
        # the county panel of a comparison (sim/report/compare_counties.py)
        "cc_title": ("Counties: each scenario against the reference", "各县(市、区):各方案与参照方案相比"),
        "cc_county": ("County", "县(市、区)"),
        "cc_change": ("{name} − {ref}", "{name} 减 {ref}"),
        "cc_chart": (
            "Change in awaiting at the deadline: the {n} counties changing most",
            "期限时待分流人数的变化:变化最大的{n}个县",
        ),
        "cc_note": (
            "Means over replications; a change is the scenario minus the reference, paired replication by "
            "replication, with its 95% interval in brackets. Money in million yuan. Click a heading to sort.",
            "各次模拟的平均值;变化为方案减参照方案,逐次配对,括号内为95%置信区间。金额单位:万元。点击表头排序。",
        ),
    }
)
