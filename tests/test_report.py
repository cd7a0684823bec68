"""Reports without a browser: aggregates, languages, bad input, escaping, offline page, CLI."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import sim
from sim import figures
from sim.cli.main import main
from sim.report import SweepData, aggregate, i18n
from sim.report.load import FORMAT_VERSIONS, RunData

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.toml"
SMALL = {"population.synthetic.townships": 3, "time.horizon_months": 72, "reform.deadline_month": 29}
HOSTILE = "<script>window.__pwned = 1 & \"quoted\" 'single'"  # a name holds no '/' (it names a folder)


def small(overrides: dict | None = None, n: int = 3, seed: int = 5) -> sim.Results:
    return sim.run(sim.load_scenario(BASE, overrides={**SMALL, **(overrides or {})}), replications=n, seed=seed)


@pytest.fixture(scope="module")
def runs() -> dict[str, sim.Results]:
    return {
        "base": small(),
        "deeper": small({"reform.cut_admin": 0.2, "name": "deeper"}),
        "hostile": small(
            {"name": HOSTILE, "description": '<img src=x onerror="window.__pwned = 2"></script> & co'}, n=2
        ),
    }


@pytest.fixture(scope="module")
def saved(runs: dict[str, sim.Results], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runs["base"].save(tmp_path_factory.mktemp("report") / "base")


def sweep_of(runs_by_point: list[tuple[dict, sim.Results]]) -> SweepData:
    design = pd.DataFrame([{"point": k, **params} for k, (params, _) in enumerate(runs_by_point)])
    summary = pd.concat([r.summary().assign(point=k) for k, (_, r) in enumerate(runs_by_point)], ignore_index=True)
    return SweepData(design, summary, manifest={"name": "two cuts"})


# ----- aggregates ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("df", "expected"), [(1, 12.7062), (4, 2.7764), (10, 2.2281), (30, 2.0423), (60, 2.0003), (120, 1.9799)]
)
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert aggregate.t_quantile_975(df) == pytest.approx(expected, abs=2e-4)


def test_paired_difference_is_the_mean_and_t_interval_of_per_replication_differences() -> None:
    months, reps = np.arange(4), np.arange(5)
    a = pd.DataFrame([(r, m, 10.0 * m + r) for r in reps for m in months], columns=["replication", "month", "x"])
    shift = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    b = a.assign(x=a["x"] + shift[a["replication"]] * a["month"])
    d = aggregate.paired_difference(a, b, "x")
    for m in months:
        diffs = shift * m
        half = 2.7764 * diffs.std(ddof=1) / math.sqrt(5)
        assert d.loc[m, "mean"] == pytest.approx(diffs.mean())
        assert d.loc[m, "low"] == pytest.approx(diffs.mean() - half, abs=1e-3)
        assert d.loc[m, "high"] == pytest.approx(diffs.mean() + half, abs=1e-3)
    assert (d["n"] == 5).all()


def test_bands_are_ordered_and_cover_every_month(runs: dict[str, sim.Results]) -> None:
    monthly = runs["base"].monthly
    b = aggregate.bands(monthly, ["headcount_total", "state_awaiting"])
    assert list(b["mean"].index) == sorted(monthly["month"].unique())
    assert (b["p5"] <= b["p50"]).all().all() and (b["p50"] <= b["p95"]).all().all()
    at_30 = monthly.loc[monthly["month"] == 30, "headcount_total"]
    assert b["mean"].loc[30, "headcount_total"] == pytest.approx(at_30.mean())


def test_yearly_sums_drop_an_incomplete_last_year() -> None:
    means = pd.DataFrame({"x": np.ones(25)}, index=np.arange(25))
    years = aggregate.yearly_sums(means, "2005-01")
    assert list(years.index) == [2005, 2006] and list(years["x"]) == [12, 12]


def test_report_reads_the_results_format_that_run_writes() -> None:
    from sim.experiment.results import FORMAT_VERSION

    assert FORMAT_VERSION in FORMAT_VERSIONS


# ----- languages ----------------------------------------------------------------------------
def test_every_string_exists_in_both_languages() -> None:
    neutral = {"card_interval", "band"}  # "P5–P95" reads the same in both
    for key, (en, zh) in i18n._TEXT.items():
        assert en.strip() and zh.strip(), key
        assert key in neutral or re.search(r"[\u4e00-\u9fff]", zh), f"{key}: no Chinese in {zh!r}"
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", zh)), key


def test_every_metric_the_engine_writes_has_a_chinese_name(runs: dict[str, sim.Results]) -> None:
    untranslated = [
        c
        for c in aggregate.metric_columns(runs["base"].monthly)
        if not re.search(r"[\u4e00-\u9fff]", i18n.metric_label(c, "zh"))
    ]
    assert not untranslated
    for ch in i18n.CHANNELS:
        assert i18n.name("channel", ch, "en") != i18n.readable(ch)


def test_unknown_ids_are_shown_readably() -> None:
    assert i18n.metric_label("diverted_new_channel", "en") == "Diverted: New channel"
    assert i18n.metric_label("something_else", "zh") == "Something else"


# ----- bad input ----------------------------------------------------------------------------
def test_bad_input_is_a_clear_input_error(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(sim.InputError, match="no such folder"):
        sim.report(tmp_path / "missing")
    with pytest.raises(sim.InputError, match="no manifest.json"):
        sim.report(tmp_path)
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads((saved / "manifest.json").read_text("utf-8"))
    (old / "manifest.json").write_text(json.dumps({**manifest, "format_version": 0}), "utf-8")
    with pytest.raises(sim.InputError, match="format_version 0"):
        sim.report(old)
    (old / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(sim.InputError, match="missing monthly.parquet"):
        sim.report(old)
    with pytest.raises(sim.InputError, match="--lang"):
        sim.report(saved, tmp_path / "x.html", lang="fr")
    assert not (tmp_path / "x.html").exists()


def test_cli_turns_bad_input_into_exit_code_2(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert main(["report", str(saved), "--lang", "de", "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "no such folder" in err and "--lang" in err and "Traceback" not in err


# ----- the page -----------------------------------------------------------------------------
def test_one_offline_file_with_plotly_embedded_once(saved: Path, tmp_path: Path) -> None:
    page = sim.report(saved, tmp_path / "r.html").read_text("utf-8")
    assert page.count("* plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", page), "no external script"
    assert not re.search(r"<link[^>]+href=", page), "no external stylesheet"
    style = page[page.index("<style>") : page.index("</style>")]
    assert "@import" not in style and not re.search(r"url\((?!data:)", style), "fonts only as data URLs"
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert (
        '"fenliu CJK", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif' in page
    )


def test_user_text_is_escaped(runs: dict[str, sim.Results], tmp_path: Path) -> None:
    page = sim.report(runs["hostile"], tmp_path / "h.html").read_text("utf-8")
    body = page[page.index("<body>") :]
    assert "<script>window.__pwned" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;window.__pwned = 1 &amp; &quot;quoted&quot; &#x27;single&#x27;" in body


def test_report_size_does_not_grow_with_replications(tmp_path: Path) -> None:
    few = sim.report(small(n=2), tmp_path / "few.html").stat().st_size
    many = sim.report(small(n=16), tmp_path / "many.html").stat().st_size
    assert many < few * 1.02


def test_run_report_has_cards_and_every_panel_the_engine_feeds(runs: dict[str, sim.Results]) -> None:
    from sim.report.run_report import build_run_page, headline_cards

    data = sim.report.RunData(runs["base"].monthly, runs["base"].manifest())
    cards = headline_cards(data, "zh")
    assert len(cards) == 5
    page = build_run_page(data, "en")
    assert page.figures == 11


# ----- figures for notebooks ----------------------------------------------------------------
def test_figures_are_plotly_figures_or_none_when_columns_are_missing(runs: dict[str, sim.Results]) -> None:
    results = runs["base"]
    for _, make, _ in figures.RUN_FIGURES:
        fig = make(results, "zh")
        assert isinstance(fig, go.Figure) and fig.data, make.__name__
    bare = results.monthly[["replication", "month", "headcount_total", "establishment_total"]]
    assert figures.headcount_fan(bare) is not None
    for make in (figures.diversion_sankey, figures.channel_queues, figures.funding_pool, figures.cost_by_component):
        assert make(bare) is None
    with pytest.raises(sim.InputError):
        figures.headcount_fan(results, lang="fr")


def test_report_layer_imports_neither_simpy_nor_the_engine() -> None:
    root = Path(sim.__file__).parent
    files = [*sorted((root / "report").glob("*.py")), root / "figures.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("simpy", "sim.engine", "sim.experiment")), f"{path.name} imports {name}"


# ----- comparison and sweep -----------------------------------------------------------------
def test_compare_report_from_results_and_frames(runs: dict[str, sim.Results], tmp_path: Path) -> None:
    from sim.report.compare_report import as_runs, outcome_rows

    pair = [runs["base"], ("deeper cut", runs["deeper"].monthly)]
    page = sim.report.compare_report(pair, tmp_path / "c.html", "zh").read_text("utf-8")
    assert "方案比较" in page and "deeper cut" in page
    loaded = as_runs(pair)
    rows, n = outcome_rows(loaded, "en")
    assert n == 3
    awaiting = next(r for r in rows if r[0] == "Not placed at the deadline (awaiting or rotating)")
    a = loaded[0].outcomes["awaiting_deadline"]
    b = loaded[1].outcomes["awaiting_deadline"]
    assert awaiting[-1].sort == pytest.approx((b - a).mean())


def test_compare_report_refuses_bad_sets(runs: dict[str, sim.Results], tmp_path: Path) -> None:
    with pytest.raises(sim.InputError, match="2 to 6"):
        sim.report.compare_report([runs["base"]], tmp_path / "c.html")
    with pytest.raises(sim.InputError, match="2 to 6"):
        sim.report.compare_report([runs["base"]] * 7, tmp_path / "c.html")
    other = runs["deeper"].monthly.assign(replication=runs["deeper"].monthly["replication"] + 100)
    with pytest.raises(sim.InputError, match="shares no replication"):
        sim.report.compare_report([runs["base"], ("shifted", other)], tmp_path / "c.html")


def test_compare_names_repeated_scenarios_apart(runs: dict[str, sim.Results]) -> None:
    from sim.report.compare_report import as_runs

    assert [r.name for r in as_runs([runs["base"], runs["base"]])] == ["base", "base-2"]


def test_sweep_report_from_tables(runs: dict[str, sim.Results], tmp_path: Path) -> None:
    sw = sweep_of([({"reform.cut_admin": 0.1}, runs["base"]), ({"reform.cut_admin": 0.2}, runs["deeper"])])
    sobol = pd.DataFrame(
        {"parameter": ["reform.cut_admin"], "S1": [0.6], "S1_conf": [0.1], "ST": [0.7], "ST_conf": [0.1]}
    )
    sw.sobol = sobol
    page = sim.report.sweep_report(sw, tmp_path / "s.html", metric="headcount_total", month=60).read_text("utf-8")
    assert 'class="sortable"' in page and "reform.cut_admin" in page
    # a Sobol table without months holds the horizon's indices: not drawn at month 60 as if they were its
    assert page.count('class="plotly-graph-div"') == 3  # scatter, selector, parallel coordinates (one parameter)
    page = sim.report.sweep_report(sw, tmp_path / "s.html", metric="headcount_total", month=72).read_text("utf-8")
    assert page.count('class="plotly-graph-div"') == 4  # scatter, Sobol, selector, parallel coordinates
    with pytest.raises(sim.InputError, match="not in the summary"):
        sim.report.sweep_report(sw, tmp_path / "s.html", metric="no_such_metric")
    with pytest.raises(sim.InputError, match="missing column"):
        SweepData(sw.design.drop(columns="point"), sw.summary)


def test_saved_comparison_and_sweep_folders_are_reported_by_kind(runs: dict[str, sim.Results], tmp_path: Path) -> None:
    compare = tmp_path / "compare"
    runs["base"].save(compare / "00-base")
    runs["deeper"].save(compare / "01-deeper")
    manifest = {"format_version": 1, "kind": "compare", "runs": ["00-base", "01-deeper"], "scenarios": ["A", "B"]}
    (compare / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    page = sim.report(compare).read_text("utf-8")
    assert "Scenario comparison" in page and "<h1>A · B</h1>" in page

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    sw = sweep_of([({"reform.cut_admin": 0.1}, runs["base"]), ({"reform.cut_admin": 0.2}, runs["deeper"])])
    sw.design.to_parquet(sweep / "design.parquet")
    sw.summary.to_parquet(sweep / "summary.parquet")
    manifest = {"format_version": 1, "kind": "sweep", "name": "cuts", "parameters": ["reform.cut_admin"]}
    (sweep / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert main(["report", str(sweep), "--metric", "headcount_total", "--month", "60"]) == 0
    assert "Parameter sweep" in (sweep / "report.html").read_text("utf-8")


# ----- command line -------------------------------------------------------------------------
def test_run_writes_a_report_unless_told_not_to(tmp_path: Path) -> None:
    args = ["run", str(BASE), "-n", "2", *(f"--set={k}={v}" for k, v in SMALL.items())]
    assert main([*args, "--out", str(tmp_path / "with")]) == 0
    assert (tmp_path / "with" / "report.html").is_file()
    assert main([*args, "--out", str(tmp_path / "without"), "--no-report"]) == 0
    assert not (tmp_path / "without" / "report.html").exists()
    assert main(["report", str(tmp_path / "without"), "--lang", "zh", "--out", str(tmp_path / "zh.html")]) == 0
    assert 'lang="zh-CN"' in (tmp_path / "zh.html").read_text("utf-8")


def test_sim_report_is_callable_and_a_module(saved: Path) -> None:
    path = sim.report(saved)
    assert path == saved / "report.html" and path.is_file()
    assert callable(sim.report.compare_report) and callable(sim.report.sweep_report)
    assert isinstance(sim.report.load_run(saved), RunData)


def test_chinese_report_embeds_every_glyph_it_shows(saved, tmp_path, monkeypatch):
    """The Chinese page carries a subset of an open CJK font covering each CJK character it shows."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from sim.report.cjk_font import FONT_FAMILY, find_font, page_characters

    if find_font() is None:
        pytest.skip("no open CJK font on this machine: the report falls back to the reader's fonts")
    page = sim.report(saved, tmp_path / "zh.html", lang="zh").read_text("utf-8")
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert data and f'font-family: "{FONT_FAMILY}"' in page
    font = TTFont(io.BytesIO(base64.b64decode(data.group(1))))
    covered = set(map(chr, font.getBestCmap()))
    shown = page_characters(page[page.index("<body>") :])
    assert len(shown) > 50 and set(shown) <= covered
    assert len(covered) < 2 * len(shown) + 50  # a subset, not the whole font
    english = sim.report(saved, tmp_path / "en.html").read_text("utf-8")
    english_chars = page_characters(english[english.index("<body>") :])  # e.g. the sources' Chinese titles
    assert ("data:font/woff" in english) == bool(english_chars) and len(english_chars) < len(shown)
    # with no font at report time, the page says it relies on the reader's fonts
    monkeypatch.setenv("FENLIU_CJK_FONT", str(tmp_path / "missing.otf"))
    find_font.cache_clear()
    try:
        fallback = sim.report(saved, tmp_path / "zh2.html", lang="zh").read_text("utf-8")
    finally:
        find_font.cache_clear()
    assert "data:font/woff" not in fallback and "未找到开源中文字体" in fallback
