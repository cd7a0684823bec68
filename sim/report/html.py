"""One self-contained HTML page: plotly.js embedded once, figures, cards, tables, escaping.

Every piece of user text (scenario names, descriptions, parameter values) goes through
`esc` before it reaches the page; figure data is serialised by plotly, which escapes `<`,
`>` and `/` inside its JSON. The page's Content-Security-Policy forbids any network fetch,
so even a mistake could not make the page call out.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from sim.report.cjk_font import FALLBACK_NOTE, FONT_FAMILY, font_face, page_characters
from sim.report.localise import ZH_LOCALE_JS
from sim.report.printing import PRINT_CSS, PRINT_JS

FONT_STACK = f'"{FONT_FAMILY}", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
PLOT_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False}
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; worker-src blob:"
)

CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0; color: #1f2933; background: #f5f7fa; }}
header {{ background: #243b53; color: #fff; padding: 18px 32px; }}
header h1 {{ margin: 0 0 4px 0; font-size: 24px; }}
header .kind {{ font-size: 14px; opacity: .8; }}
header p {{ margin: 6px 0 0 0; opacity: .9; }}
nav {{ padding: 8px 32px; background: #fff; border-bottom: 1px solid #d9e2ec; font-size: 14px; }}
nav a {{ margin-right: 14px; color: #334e68; text-decoration: none; white-space: nowrap; }}
main {{ padding: 8px 32px 24px 32px; }}
section {{ background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; margin: 16px 0; padding: 12px 16px; }}
section h2 {{ font-size: 18px; margin: 4px 0 4px 0; color: #243b53; }}
.note {{ color: #52606d; font-size: 13px; margin: 0 0 6px 0; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }}
.card {{ background: #f0f4f8; border-radius: 6px; padding: 10px 14px; }}
.card h3 {{ font-size: 13px; font-weight: normal; color: #486581; margin: 0 0 4px 0; }}
.card .big {{ font-size: 22px; font-weight: bold; color: #102a43; }}
.card .unit {{ font-size: 14px; font-weight: normal; }}
.card .small {{ font-size: 12px; color: #52606d; margin-top: 2px; }}
table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
th, td {{ border-bottom: 1px solid #e4e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f0f4f8; position: sticky; top: 0; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.sortable th {{ cursor: pointer; user-select: none; }}
table.sortable th[data-dir="asc"]::after {{ content: " ▲"; }}
table.sortable th[data-dir="desc"]::after {{ content: " ▼"; }}
.scroll {{ max-height: 520px; overflow: auto; }}
footer {{ padding: 12px 32px 24px 32px; color: #52606d; font-size: 12px; }}
footer dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px 0; }}
footer dt {{ font-weight: bold; }} footer dd {{ margin: 0; word-break: break-all; }}
"""
CSS += PRINT_CSS

# Sorts table rows by a clicked column. It only moves existing row nodes; it never builds HTML.
SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("data-dir") !== "asc";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("data-dir"); });
      th.setAttribute("data-dir", asc ? "asc" : "desc");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[col];
        var v = cell.getAttribute("data-v");
        var n = parseFloat(v === null ? cell.textContent : v);
        return isNaN(n) ? cell.textContent : n;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), c;
        if (typeof x === "number" && typeof y === "number") { c = x - y; }
        else { c = String(x).localeCompare(String(y)); }
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def esc(value: object) -> str:
    """Any value as HTML text: `<`, `>`, `&` and quotes escaped."""
    return html.escape(str(value), quote=True)


def plot_text(value: object) -> str:
    """User text for a plotly label: plotly reads a little HTML, so escape it to show it as typed."""
    return html.escape(str(value), quote=False)


@dataclass(frozen=True)
class Card:
    """A headline number with its title and up to two small lines."""

    title: str
    value: str
    lines: tuple[str, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class Cell:
    """A table cell: shown text, and optionally a numeric sort key and right alignment."""

    text: str
    sort: float | None = None
    numeric: bool = False


@dataclass
class Page:
    """A report page built section by section, rendered once."""

    title: str
    kind: str
    lang: str
    description: str = ""
    _nav: list[tuple[str, str]] = field(default_factory=list)
    _body: list[str] = field(default_factory=list)
    _footer: list[tuple[str, str]] = field(default_factory=list)
    _footer_note: str = ""
    figures: int = 0

    def _section(self, anchor: str, title: str, note: str, inner: str) -> None:
        self._nav.append((anchor, title))
        note_html = f'<p class="note">{esc(note)}</p>' if note else ""
        self._body.append(f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{note_html}{inner}</section>')

    def cards(self, anchor: str, title: str, cards: Sequence[Card], note: str = "") -> None:
        """A grid of headline cards."""
        if not cards:
            return
        items = []
        for card in cards:
            small = "".join(f'<div class="small">{esc(line)}</div>' for line in card.lines)
            unit = f' <span class="unit">{esc(card.unit)}</span>' if card.unit else ""
            big = f'<div class="big">{esc(card.value)}{unit}</div>'
            items.append(f'<div class="card"><h3>{esc(card.title)}</h3>{big}{small}</div>')
        self._section(anchor, title, note, f'<div class="cards">{"".join(items)}</div>')

    def paragraph(self, anchor: str, title: str, body: str, note: str = "") -> None:
        """A paragraph of text (the finding), escaped."""
        self._section(anchor, title, note, f'<p class="finding">{esc(body)}</p>')

    def figure(self, anchor: str, title: str, fig: go.Figure | None, note: str = "", caption: str = "") -> None:
        """A plotly figure (skipped when None: its columns are not in these results), `caption` under it."""
        if fig is None:
            return
        spec = fig.to_dict()  # the section heading carries the title
        spec["layout"].pop("title", None)
        spec["layout"].setdefault("margin", {})["t"] = 48
        div = pio.to_html(
            spec,
            validate=False,
            include_plotlyjs=False,
            full_html=False,
            div_id=f"fig-{anchor}",
            config={**PLOT_CONFIG, "locale": "zh-CN"} if self.lang == "zh" else PLOT_CONFIG,
            default_width="100%",
            default_height=f"{int(spec['layout'].get('height') or 450)}px",
        )
        self.figures += 1
        under = f'<p class="note caption">{esc(caption)}</p>' if caption else ""
        self._section(anchor, title, note, f'<div class="figure">{div}</div>{under}')

    def table(
        self,
        anchor: str,
        title: str,
        header: Sequence[Cell | str],
        rows: Iterable[Sequence[Cell | str]],
        note: str = "",
        sortable: bool = False,
    ) -> None:
        """A table of escaped cells, optionally sortable by clicking a heading."""
        self._section(anchor, title, note, table_html(header, rows, sortable))

    def html(self, anchor: str, title: str, inner: str, note: str = "") -> None:
        """A section of trusted HTML built by the report itself (never user text unescaped)."""
        self._section(anchor, title, note, inner)

    def footer(self, items: Sequence[tuple[str, str]], note: str = "") -> None:
        """Provenance lines at the foot of the page."""
        self._footer = list(items)
        self._footer_note = note

    def render(self) -> str:
        """The whole page as one HTML string."""
        nav = "\n".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t in self._nav)
        desc = f"<p>{esc(self.description)}</p>" if self.description else ""
        foot = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in self._footer)
        lang_attr = "zh-CN" if self.lang == "zh" else "en"
        title = f"<title>{esc(self.kind)}: {esc(self.title)}</title>\n"
        body = (
            f'<header><div class="kind">{esc(self.kind)}</div><h1>{esc(self.title)}</h1>{desc}</header>\n'
            f"<nav>{nav}</nav>\n<main>\n" + "\n".join(self._body) + "\n</main>\n"
        )
        notes = [self._footer_note] if self._footer_note else []
        font_css, _ = font_face(title + body + foot + "".join(notes))  # the glyphs this page shows
        if not font_css and page_characters(title + body + foot):
            notes.append(FALLBACK_NOTE.get(self.lang, FALLBACK_NOTE["en"]))
        note_html = "".join(f"<div>{esc(n)}</div>" for n in notes)
        return (
            f'<!DOCTYPE html>\n<html lang="{lang_attr}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"{title}<style>{font_css}{CSS}</style>\n"
            f"<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>\n"
            f"<script>{plotly_js()}</script>\n<script>{ZH_LOCALE_JS}</script>\n</head>\n<body>\n"
            + body
            + f"<footer><dl>{foot}</dl>{note_html}</footer>\n"
            f"<script>{SORT_JS}{PRINT_JS}</script>\n</body>\n</html>\n"
        )


@cache
def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (read once per process)."""
    return get_plotlyjs()


def table_html(header: Sequence[Cell | str], rows: Iterable[Sequence[Cell | str]], sortable: bool = False) -> str:
    """An HTML table; every cell's text is escaped."""

    def cell(tag: str, c: Cell | str) -> str:
        c = c if isinstance(c, Cell) else Cell(c)
        cls = ' class="num"' if c.numeric else ""
        sort = f' data-v="{c.sort!r}"' if c.sort is not None else ""
        return f"<{tag}{cls}{sort}>{esc(c.text)}</{tag}>"

    head = "".join(cell("th", h) for h in header)
    body = "".join("<tr>" + "".join(cell("td", c) for c in row) + "</tr>" for row in rows)
    cls = ' class="sortable"' if sortable else ""
    return f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def write_page(text: str, path: str | Path) -> Path:
    """Write the page to `path` atomically (a temporary sibling renamed over it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
