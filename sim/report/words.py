"""Words of the finding, the terminal summary and the workbook, in English and Chinese.

Terms follow the glossary of the seed facts (分流, 编制, 实有人员, 财政供养人员, 待岗, 超编,
回流, 只出不进, 回收期, 一次性支出). Report page words stay in `sim.report.i18n`.
"""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str]] = {
    # finding, run
    "f_deadline": (
        "By the deadline, {date} (month {m}), {awaiting} people [P5–P95 {a5}–{a95}] still await a post (待岗), "
        "and the staff actually employed (实有人员) have changed by {change} ({pct}) to {head}.",
        "截至分流期限({date},第{m}月),仍有 {awaiting} 人待岗 [P5–P95:{a5}–{a95}],"
        "实有人员变化 {change} 人({pct}),为 {head} 人。",
    ),
    "f_cost": (
        "The one-time cost (severance, pension insurance buy-ins, placement subsidies) is {cost} [P5–P95 {c5}–{c95}]",
        "一次性支出(退职金、养老保险补缴、安置补助)为 {cost} [P5–P95:{c5}–{c95}]",
    ),
    "f_payers": ("; the severance pool was filled by {payers}.", ";补偿金资金池的出资构成为:{payers}。"),
    "f_no_payers": (".", "。"),
    "f_gap": (
        " The pools could not pay {gap} of requests at the deadline: {waiting} people [P5–P95 {w5}–{w95}] "
        "wait for money (probability the pool runs dry by the deadline {dry}).",
        "期限时资金池尚有 {gap} 的申请无力支付,{waiting} 人 [P5–P95:{w5}–{w95}] 等待资金"
        "(期限前资金池见底的概率 {dry})。",
    ),
    "f_no_gap": (
        " No request for money was left unpaid at the deadline (probability the pool runs dry by then {dry}).",
        "期限时没有未能支付的资金申请(期限前资金池见底的概率 {dry})。",
    ),
    "f_top_up": (" Top-ups when the pool was short came to {top_up}.", "资金池不足时追加 {top_up}。"),
    "f_payback": (
        " The whole government's savings against no reform pay the cost back by {date} (month {m}, median; P90 {p90}); "
        "{share} of replications pay back within the horizon.",
        "与不改革相比,政府整体的节约在 {date}(第{m}月,中位数;P90:{p90})收回一次性支出,"
        "{share} 的重复模拟在模拟期内收回。",
    ),
    "f_no_payback": (
        " The whole government's savings do not pay the cost back within the horizon in most replications "
        "(only {share} do).",
        "多数重复模拟中,政府整体的节约在模拟期内未能收回成本(仅 {share} 收回)。",
    ),
    "f_rebound": (
        " Rebound risk: the probability that staff exceed the establishment (超编) is {p5y} in {y5} "
        "and {pend} in {end}",
        "反弹风险:{y5} 超编的概率为 {p5y},{end} 为 {pend}",
    ),
    "f_rebound_counts": (
        "; by then {returned} people have returned (回流) and {overquota} over-establishment hires remain.",
        ";届时累计回流 {returned} 人,未纠正的超编进人 {overquota} 人。",
    ),
    "f_end": (".", "。"),
    "f_replications": (
        " (Mean over {n} replications; brackets: P5–P95.)",
        "(以上为 {n} 次重复模拟的均值;方括号内为 P5–P95。)",
    ),
    "f_payer_share": ("{name} {share}", "{name} {share}"),
    "f_list_sep": (", ", "、"),
    # finding, comparison
    "fc_head": (
        "Against {ref}, paired over {n} replications (mean difference [95% interval]):",
        "与 {ref} 相比({n} 对配对重复模拟,均值差 [95% 区间]):",
    ),
    "fc_item": (
        "{what}: {name} is {verdict} by {diff} [{low}, {high}]",
        "{what}:{name}{verdict}({diff},95%区间[{low},{high}])",
    ),
    "fc_same": (
        "{what}: no clear difference ({diff} [{low}, {high}])",
        "{what}:无明显差别({diff},95%区间[{low},{high}])",
    ),
    "fc_better": ("better", "更优"),
    "fc_worse": ("worse", "更差"),
    "fc_sep": ("; ", ";"),
    "fc_scenario": ("{name} against {ref}: ", "{name} 与 {ref} 相比:"),
    "fc_awaiting_deadline": ("awaiting at the deadline", "期限时待岗人数"),
    "fc_one_time_cost": ("one-time cost", "一次性支出"),
    "fc_savings_government": ("whole-government savings at the horizon", "期末政府整体累计节约"),
    "fc_payback_government": ("payback month", "回收期(月)"),
    "fc_over_y5": ("probability of over establishment in year 5", "第5年超编概率"),
    "fc_over_end": ("probability of over establishment at the horizon", "期末超编概率"),
    "fc_pool_waiting_deadline": ("people waiting for money at the deadline", "期限时等待资金人数"),
    "people_unit": ("people", "人"),
    "months_unit": ("months", "个月"),
    "pp_unit": ("percentage points", "个百分点"),
    # terminal
    "t_title": ("{name}: {n} replications", "{name}:{n} 次重复模拟"),
    "t_finding": ("Finding", "结论"),
    "t_headline": ("Headline outcomes (mean, P5–P95)", "主要结果(均值,P5–P95)"),
    "t_outcome": ("Outcome", "指标"),
    "t_mean": ("Mean", "均值"),
    "t_band": ("P5–P95", "P5–P95"),
    "t_table": ("Means at key months", "关键月份的均值"),
    "t_metric": ("Metric", "指标"),
    "t_channels": ("One-time cost per diverted person, by channel", "各渠道人均一次性支出"),
    "t_results": (
        "results in {out}/ ({n} replications, {ms} ms each)",
        "结果保存在 {out}/({n} 次重复模拟,每次 {ms} 毫秒)",
    ),
    "t_month_tag_reform": ("reform", "改革"),
    "t_month_tag_deadline": ("deadline", "期限"),
    "t_month_tag_end": ("horizon", "期末"),
    # outcome names (terminal, workbook)
    "o_awaiting_deadline": ("Awaiting a post at the deadline (people)", "期限时待岗人数(人)"),
    "o_headcount_deadline": ("Staff employed at the deadline (people)", "期限时实有人员(人)"),
    "o_headcount_change": ("Change in staff employed to the deadline (people)", "截至期限实有人员变化(人)"),
    "o_headcount_horizon": ("Staff employed at the horizon (people)", "期末实有人员(人)"),
    "o_diverted_total": ("Diverted through all channels (people)", "各渠道分流合计(人)"),
    "o_one_time_cost": ("One-time cost ({unit})", "一次性支出({unit})"),
    "o_funding_gap_deadline": ("Funding gap at the deadline ({unit})", "期限时资金缺口({unit})"),
    "o_pool_waiting_deadline": ("Waiting for money at the deadline (people)", "期限时等待资金人数(人)"),
    "o_cost_government": ("Whole-government cost over the horizon ({unit})", "模拟期政府整体支出({unit})"),
    "o_savings_government": ("Whole-government savings at the horizon ({unit})", "期末政府整体累计节约({unit})"),
    "o_payback_government": ("Payback month, whole government (median)", "回收期,政府整体(中位数)"),
    "o_over_y5": ("P(over establishment), year 5", "第5年超编概率"),
    "o_over_end": ("P(over establishment), horizon", "期末超编概率"),
    "o_returned": ("Returned (回流) by the horizon (people)", "期末累计回流(人)"),
    "o_overquota_net": ("Over-establishment hires not undone (people)", "未纠正的超编进人(人)"),
}


def word(key: str, lang: str, **fmt: object) -> str:
    """A string of the finding, terminal or workbook in `lang`, formatted with `fmt`."""
    pair = _WORDS[key]
    out = pair[1].replace(" ", "") if lang == "zh" else pair[0]  # Chinese runs numbers into the text
    return out.format(**fmt) if fmt else out
