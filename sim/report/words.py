"""Words of the finding, the terminal summary and the workbook, in English and Chinese.

Terms follow the glossary of the seed facts (分流, 编制, 实有人员, 财政供养人员, 待岗, 超编,
回流, 只出不进, 回收期, 一次性支出). Report page words stay in `sim.report.i18n`.
"""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str]] = {
    # finding, run
    "f_deadline_rotating": (
        "By the deadline, {date} (month {m}), {awaiting} people [P5–P95 {a5}–{a95}] of the surplus are not yet "
        "placed, {rotating} of them on rotating shifts (轮流坐班) and the rest awaiting a post (待岗), "
        "and the staff actually employed (实有人员) have changed by {change} ({pct}) to {head}.",
        "截至分流期限({date},第{m}月),仍有 {awaiting} 名富余人员未安置 [P5–P95:{a5}–{a95}],其中 {rotating} 人轮流坐班、"
        "其余待岗,实有人员变化 {change} 人({pct}),为 {head} 人。",
    ),
    "f_deadline": (
        "By the deadline, {date} (month {m}), {awaiting} people [P5–P95 {a5}–{a95}] still await a post (待岗), "
        "and the staff actually employed (实有人员) have changed by {change} ({pct}) to {head}.",
        "截至分流期限({date},第{m}月),仍有 {awaiting} 人待岗 [P5–P95:{a5}–{a95}],"
        "实有人员变化 {change} 人({pct}),为 {head} 人。",
    ),
    "f_cost": (
        "The one-time cost over the horizon (severance, pension insurance buy-ins, placement subsidies) is {cost} "
        "[P5–P95 {c5}–{c95}]",
        "模拟期内一次性支出(退职金、养老保险补缴、安置补助)为 {cost} [P5–P95:{c5}–{c95}]",
    ),
    "f_payers": ("; the severance pool was filled by {payers}.", ";补偿金资金池的出资构成为:{payers}。"),
    "f_no_payers": (".", "。"),
    "f_charged": (
        "Of the {paid} paid out of the pool by the horizon, each payer bore what was spent of its own money: {payers}.",
        "至模拟期末资金池共支出{paid},按各方实际投入的资金追溯,各方承担:{payers}。",
    ),
    "f_charged_twin": (
        "Of the {paid} paid out of the pool by the horizon, the expected-value twin charges: {payers}; what a pool "
        "paid beyond the money put in is charged to the payer that tops it up (pool.top_up_payer).",
        "至模拟期末资金池共支出{paid},期望值模型计入各方:{payers};资金池超出投入的支出计入补足方(pool.top_up_payer)。",
    ),
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
    "f_twin_short": (
        " The expected-value twin lets nobody wait for money: by the deadline the pools had paid {short} more "
        "than was put in, money it assumes is found; the discrete-event engine ({cmd}) shows who "
        "would wait for it and for how long.",
        "期望值模型不让任何人等待资金:至期限,资金池支出比投入多 {short},这笔钱被假定可以筹到;"
        "谁需要等待资金、等待多久,请用离散事件引擎({cmd})运行。",
    ),
    "f_top_up": (" Top-ups when the pool was short came to {top_up}.", "资金池不足时追加 {top_up}。"),
    "f_payback": (
        " The whole government's savings against no reform pay the cost back by {date} (month {m}, median; P90 {p90}); "
        "{share} of replications pay back within the horizon.",
        "与不改革相比,政府整体的节约在 {date}(第{m}月,中位数;P90:{p90})收回一次性支出,"
        "{share} 的重复模拟在模拟期内收回。",
    ),
    "f_nothing_to_pay_back": (
        " Nothing was paid out and nothing saved against no reform, so there is no cost to pay back.",
        "与不改革相比,既无一次性支出,也无节约,不存在成本回收问题。",
    ),
    "f_no_payback": (
        " The whole government's savings do not pay the cost back within the horizon in most replications "
        "(only {share} do).",
        "多数重复模拟中,政府整体的节约在模拟期内未能收回成本(仅 {share} 收回)。",
    ),
    "f_rebound": (
        " Rebound risk: the probability that the staff of all townships together exceed their establishment (超编) "
        "is {p5y} in {y5} and {pend} in {end}",
        "反弹风险:{y5} 全部乡镇合计超编的概率为 {p5y},{end} 为 {pend}",
    ),
    "f_rebound_at_end": (
        " Rebound risk: the probability that the staff of all townships together exceed their establishment (超编) "
        "is {pend} in {end}",
        "反弹风险:{end} 全部乡镇合计超编的概率为 {pend}",
    ),
    "f_rebound_townships": (
        " Township by township, each against its own establishment: in {end}, {k} of {n} townships are over it on "
        "average, and at least one is in {p_any} of replications.",
        "分乡镇看(各以本乡镇编制为准):{end} 平均 {n} 个乡镇中有 {k} 个超编,{p_any} 的重复模拟中至少有一个乡镇超编。",
    ),
    "f_rebound_split": (
        " — in {y5}, {pr5} because the townships have re-grown, the rest only because the drive has not yet "
        "placed its surplus; re-growth (hires over establishment and returnees on the payroll) is {regrowth} "
        "people in {end}, {share} of the cut achieved",
        "——{y5} 其中因回潮(超编进人和回流人员)而超编的概率为 {pr5},其余仅因分流尚未完成;{end} 回潮 {regrowth} 人,"
        "占已实现精简的 {share}",
    ),
    "f_rebound_counts": (
        "; by then {returned} people have returned (回流) and {overquota} over-establishment hires remain.",
        ";届时累计回流 {returned} 人,未纠正的超编进人 {overquota} 人。",
    ),
    "f_end": (".", "。"),
    "f_expected_values": (
        " (Expected values of the twin, one run: its P5–P95 brackets are the value itself, not a spread of chance.)",
        "(以上为期望值孪生模型的一次运行结果;P5–P95 区间即该值本身,并非随机波动范围。)",
    ),
    "f_replications": (
        " (Mean over {n} replications; brackets: P5–P95.)",
        "(以上为 {n} 次重复模拟的均值;方括号内为 P5–P95。)",
    ),
    "f_counties_dry": (
        " By county, each with its own pool and places: the pools of {k} of {n} counties run dry by their deadline "
        "in at least half the replications ({names}); the most people still await a post at their deadline in {top}.",
        "分县看(各县有自己的资金池和岗位):{n} 个县中有 {k} 个县的资金池在至少一半的重复模拟中于期限前见底({names});"
        "期限时待岗人数最多的是 {top}。",
    ),
    "f_counties_ok": (
        " By county, each with its own pool and places: no county's pool runs dry by its deadline in half the "
        "replications or more; the most people still await a post at their deadline in {top}.",
        "分县看(各县有自己的资金池和岗位):没有一个县的资金池在一半及以上的重复模拟中于期限前见底;"
        "期限时待岗人数最多的是 {top}。",
    ),
    "f_counties_short": (
        " By county, each with its own pool and places: the pools of {k} of {n} counties have paid more than was put "
        "in by their deadline, money the twin assumes is found ({names}); the most people still await a post at "
        "their deadline in {top}.",
        "分县看(各县有自己的资金池和岗位):{n} 个县中有 {k} 个县的资金池到期限时支出超过投入,"
        "差额由本模型假定另有来源({names});期限时待岗人数最多的是 {top}。",
    ),
    "f_county_people": ("{name} ({n})", "{name}({n} 人)"),
    "f_more": ("{names} and {m} more", "{names} 等 {k} 个县"),
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
    "fc_equal": ("{what}: the same in every replication", "{what}:各次重复模拟均相同"),
    "fc_better": ("better", "更优"),
    "fc_worse": ("worse", "更差"),
    "fc_sep": ("; ", ";"),
    "fc_counties": (
        " By county, {name} changes awaiting at the deadline most in {top}; pools run dry by the deadline (in at "
        "least half the replications) in {k} of {n} counties, against {k_ref} under {ref}.",
        "分县看,{name} 使期限时待岗人数变化最大的是 {top};资金池在期限前见底(至少一半的重复模拟中)的县为 {n} 个中的 "
        "{k} 个,{ref} 下为 {k_ref} 个。",
    ),
    "fc_counties_unchanged": (
        " By county, {name} leaves the mean awaiting at the deadline unchanged in every county; pools run dry by the "
        "deadline (in at least half the replications) in {k} of {n} counties, against {k_ref} under {ref}.",
        "分县看,{name} 未改变任何县期限时的平均待岗人数;资金池在期限前见底(至少一半的重复模拟中)的县为 {n} 个中的 "
        "{k} 个,{ref} 下为 {k_ref} 个。",
    ),
    "fc_county_change": ("{name} {diff} [{low}, {high}]", "{name} {diff}[{low},{high}]"),
    "fc_scenario": ("{name} against {ref}: ", "{name} 与 {ref} 相比:"),
    "fc_awaiting_deadline": ("not placed at the deadline (awaiting or rotating)", "期限时未安置人数(待岗或轮岗)"),
    "fc_one_time_cost": ("one-time cost", "一次性支出"),
    "fc_fiscal_gap": ("townships' fiscal gap over the horizon", "模拟期内乡镇财政缺口"),
    "fc_savings_government": ("whole-government savings at the horizon", "期末政府整体累计节约"),
    "fc_payback_government": ("payback month", "回收期(月)"),
    "fc_over_y5": ("probability of over establishment in year 5", "第5年超编概率"),
    "fc_over_end": ("probability of over establishment at the horizon", "期末超编概率"),
    "fc_pool_waiting_deadline": ("people waiting for money at the deadline", "期限时等待资金人数"),
    "fc_funding_gap_deadline": (
        "funding gap at the deadline (requests the pool could not pay)",
        "期限时资金缺口(资金池无力支付的申请)",
    ),
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
    "t_per_person": ("One-time cost per person", "人均一次性支出"),
    "t_channels": ("One-time cost per diverted person, by channel", "各渠道人均一次性支出"),
    "t_results": (
        "results in {out}/ ({n} replications, {ms} ms each)",
        "结果保存在 {out}/({n} 次重复模拟,每次 {ms} 毫秒)",
    ),
    "t_results_workers": (
        "results in {out}/ ({n} replications on {w} processes, {ms} ms of wall time each)",
        "结果保存在 {out}/({n} 次重复模拟,{w} 个进程并行,平均每次 {ms} 毫秒)",
    ),
    "t_month_tag_reform": ("reform", "改革"),
    "t_month_tag_deadline": ("deadline", "期限"),
    "t_month_tag_end": ("horizon", "期末"),
    # outcome names (terminal, workbook)
    "o_rotating_deadline": ("  of them on rotating shifts (people)", "  其中轮流坐班(人)"),
    "o_awaiting_deadline": ("Surplus not placed at the deadline (people)", "期限时未安置的富余人员(人)"),
    "o_headcount_deadline": ("Staff employed at the deadline (people)", "期限时实有人员(人)"),
    "o_headcount_change": ("Change in staff employed to the deadline (people)", "截至期限实有人员变化(人)"),
    "o_headcount_horizon": ("Staff employed at the horizon (people)", "期末实有人员(人)"),
    "o_diverted_total": ("Diverted through all channels by the horizon (people)", "期末各渠道分流合计(人)"),
    "o_one_time_cost": ("One-time cost over the horizon ({unit})", "模拟期内一次性支出({unit})"),
    "o_funding_gap_deadline": ("Funding gap at the deadline ({unit})", "期限时资金缺口({unit})"),
    "o_pool_waiting_deadline": ("Waiting for money at the deadline (people)", "期限时等待资金人数(人)"),
    "o_cost_government": ("Whole-government cost over the horizon ({unit})", "模拟期政府整体支出({unit})"),
    "o_savings_government": ("Whole-government savings at the horizon ({unit})", "期末政府整体累计节约({unit})"),
    "o_payback_government": ("Payback month, whole government (median)", "回收期,政府整体(中位数)"),
    "o_over_y5": ("P(over establishment), year 5, either cause", "第5年超编概率(任一原因)"),
    "o_over_regrowth_y5": ("P(over by re-growth, not the unfinished drive), year 5", "第5年因回潮而超编的概率"),
    "o_over_end": ("P(over establishment), horizon", "期末超编概率"),
    "o_regrowth_end": ("Re-growth on the payroll at the horizon (people)", "期末回潮人数(人)"),
    "o_returned": ("Returned (回流) by the horizon (people)", "期末累计回流(人)"),
    "o_overquota_net": ("Over-establishment hires not undone (people)", "未纠正的超编进人(人)"),
}


def word(key: str, lang: str, **fmt: object) -> str:
    """A string of the finding, terminal or workbook in `lang`, formatted with `fmt`."""
    pair = _WORDS[key]
    out = pair[1].replace(" ", "") if lang == "zh" else pair[0]  # Chinese runs numbers into the text
    return out.format(**fmt) if fmt else out


_WORDS.update(
    {
        # workbook
        "w_finding": ("Finding", "结论"),
        "w_headline": ("Headline outcomes", "主要结果"),
        "w_cost_component": ("Yearly cost by component", "分项目年度支出"),
        "w_cost_payer": ("Yearly cost by payer", "分支付方年度支出"),
        "w_channels": ("Channel flows", "分流渠道"),
        "w_risk": ("Risk", "风险"),
        "w_townships": ("By township", "分乡镇"),
        "w_counties": ("By county", "分县"),
        "w_county": ("County", "县(市、区)"),
        "w_county_changes": ("By county, paired", "分县配对差异"),
        "w_monthly": ("Monthly means", "逐月均值"),
        "w_parameters": ("Parameters", "方案参数"),
        "w_differences": ("Paired differences", "配对差异"),
        "w_design": ("Design points", "设计点"),
        "w_summary": ("Summary", "汇总"),
        "w_parameter": ("Parameter", "参数"),
        "w_section": ("Section", "类别"),
        "w_point": ("Design point", "设计点"),
        "w_unit_col": ("Unit", "单位"),
        "w_description": ("Description (scenario reference)", "说明(方案参考,英文)"),
        "w_value": ("Value", "取值"),
        "w_source": ("Source", "来源"),
        "w_default": ("default", "默认值"),
        "w_year": ("Year", "年份"),
        "w_total": ("Total", "合计"),
        "w_channel": ("Channel", "分流渠道"),
        "w_diverted_deadline": ("Diverted by the deadline (people)", "期限前分流(人)"),
        "w_diverted_end": ("Diverted by the horizon (people)", "期末累计分流(人)"),
        "w_queue_deadline": ("Queueing at the deadline (people)", "期限时排队人数(人)"),
        "w_figure": ("Risk figure", "风险指标"),
        "w_month": ("Model month", "模型月"),
        "w_calendar": ("Calendar month", "日历月份"),
        "w_varied": ("varied by the sweep", "随扫描变化"),
        "w_as_run": ("as run", "实际运行"),
        "w_read_month": ("Read at (model month)", "读取月份(模型月)"),
        "w_read_calendar": ("Read at (calendar month)", "读取月份(日历月)"),
        "w_estimate": ("Estimate", "估计值"),
        "w_se": ("Monte Carlo standard error", "蒙特卡罗标准误"),
        "w_replications": ("Replications", "重复模拟次数"),
        "w_scenario": ("Scenario", "方案"),
        "w_period": ("Period", "模拟期"),
        "w_deadline": ("Diversion deadline", "分流期限"),
        "w_seed": ("Seed", "随机种子"),
        "w_unit": ("Money unit", "金额单位"),
        "w_diff": ("Difference from the first scenario (mean)", "与第一个方案之差(均值)"),
        "r_p_over_establishment": ("P(all townships together over establishment, 超编)", "全部乡镇合计超编概率"),
        "r_p_over_establishment_unfinished": (
            "P(over establishment only because the drive has not placed its surplus)",
            "仅因分流尚未完成而超编的概率",
        ),
        "r_p_over_establishment_regrowth": (
            "P(over establishment by re-growth: hires over establishment and returnees)",
            "因回潮(超编进人和回流人员)而超编的概率",
        ),
        "r_expected_regrowth": ("Expected re-growth on the payroll (people)", "回潮人数期望(人)"),
        "r_expected_regrowth_share": ("Expected re-growth share (of the cut achieved)", "回潮占已实现精简的比例期望"),
        "r_p_regrowth_share_over_5pct": (
            "P(re-growth above 5% of the cut achieved, at any month since the reform)",
            "改革以来回潮超过已实现精简5%的概率",
        ),
        "r_p_five_year_rule_held": (
            "P(no hire over establishment and no return in the five years after the reform)",
            "改革后五年内无超编进人、无回流的概率",
        ),
        "r_expected_five_year_increase": (
            "Expected hires over establishment and returns in the five years after the reform (people)",
            "改革后五年内超编进人与回流人数期望(人)",
        ),
        "r_expected_over_establishment": ("Expected number over establishment (people)", "超编人数期望(人)"),
        "r_rebound_share": ("Rebound share (of the cut regained)", "反弹比例(精简人数中重新增加的比例)"),
        "r_p_pool_dry_by_deadline": ("P(pool runs dry by the deadline)", "期限前资金池见底的概率"),
        "r_payback_month_township": ("Payback month, township (median, model month)", "回收期,乡镇口径(中位数,模型月)"),
        "r_p_payback_township": ("P(payback within the horizon), township", "模拟期内收回的概率(乡镇口径)"),
        "r_payback_month_government": (
            "Payback month, whole government (median, model month)",
            "回收期,政府整体(中位数,模型月)",
        ),
        "r_p_payback_government": ("P(payback within the horizon), whole government", "模拟期内收回的概率(政府整体)"),
    }
)

_WORDS.update(
    {
        "tw_township": ("Township", "乡镇"),
        "tw_staff_deadline": ("Staff employed at the deadline (people)", "期限时实有人员(人)"),
        "tw_establishment": ("Establishment after the reform (posts)", "改革后编制(名)"),
        "tw_awaiting_deadline": ("Not placed at the deadline: awaiting or rotating (people)", "期限时未安置(人)"),
        "tw_over_deadline": ("Over establishment at the deadline (people)", "期限时超编(人)"),
        "tw_staff_end": ("Staff employed at the horizon (people)", "期末实有人员(人)"),
        "tw_over_end": ("Over establishment at the horizon (people)", "期末超编(人)"),
        "tw_p_over_end": ("P(over establishment) at the horizon", "期末超编概率"),
        "tw_one_time": ("One-time cost ({unit})", "一次性支出({unit})"),
        "tw_chart": ("The {n} townships in most trouble", "问题最突出的{n}个乡镇"),
        "tw_people_axis": ("People (mean over replications)", "人数(各次重复模拟的均值)"),
        "tw_table": ("Results by township", "分乡镇结果"),
        "tw_note": (
            "Means over replications; most trouble first (awaiting at the deadline plus over establishment at the "
            "horizon). Click a heading to sort.",
            "各次重复模拟的均值;按问题轻重排序(期限时待岗人数加期末超编人数)。点击列标题排序。",
        ),
    }
)
