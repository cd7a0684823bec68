"""The print stylesheet: "print" or "save as PDF" gives an A4 briefing.

The finding and the headline cards come first on page one; each chart or card grid is
kept whole on a page; navigation, plotly's toolbar and scroll boxes are dropped, and charts
are re-laid out to the paper's width before printing.
"""

PRINT_CSS = """
@page { size: A4; margin: 12mm 12mm 14mm 12mm; }
.finding { font-size: 15px; line-height: 1.6; margin: 4px 0; }
@media print {
  body { background: #fff; font-size: 11pt; }
  header { background: #fff; color: #102a43; padding: 0 0 6px 0; border-bottom: 2px solid #243b53; }
  header .kind { opacity: 1; }
  nav { display: none; }
  main { padding: 0; }
  section { border: none; border-radius: 0; margin: 6px 0; padding: 2px 0; }
  section:has(.figure), section:has(.cards), section#finding { break-inside: avoid; page-break-inside: avoid; }
  section h2 { break-after: avoid; page-break-after: avoid; }
  .finding { font-size: 10.5pt; line-height: 1.5; }
  .cards { grid-template-columns: repeat(3, 1fr); gap: 6px; }
  .card { padding: 6px 8px; border: 1px solid #d9e2ec; }
  .card .big { font-size: 16pt; }
  .scroll { max-height: none; overflow: visible; }
  th { position: static; }
  tr { break-inside: avoid; }
  .modebar-container, .modebar { display: none !important; }
  .js-plotly-plot, .plot-container, .svg-container { max-width: 100% !important; }
  footer { padding: 8px 0 0 0; }
}
"""

# Lay plotly charts out again at the paper's width just before printing, no taller than a page
# region (PRINT_MAX_PX), and restore them afterwards.
PRINT_MAX_PX = 860
PRINT_JS = """
(function () {
  var MAX = %d;
  function graphs() { return document.querySelectorAll(".js-plotly-plot"); }
  function before() {
    if (!window.Plotly) { return; }
    graphs().forEach(function (g) {
      var h = g._fullLayout && g._fullLayout.height;
      if (h && h > MAX) {
        g.setAttribute("data-screen-height", h);
        g.style.height = MAX + "px";
        g.parentElement.style.height = MAX + "px";  // plotly's wrapper holds the screen height too
        window.Plotly.relayout(g, {height: MAX});
      } else { window.Plotly.Plots.resize(g); }
    });
  }
  function after() {
    if (!window.Plotly) { return; }
    graphs().forEach(function (g) {
      var h = g.getAttribute("data-screen-height");
      if (h) {
        g.removeAttribute("data-screen-height");
        g.style.height = h + "px";
        g.parentElement.style.height = h + "px";
        window.Plotly.relayout(g, {height: Number(h)});
      } else { window.Plotly.Plots.resize(g); }
    });
  }
  window.addEventListener("beforeprint", before);
  window.addEventListener("afterprint", after);
})();
""".replace("%d", str(PRINT_MAX_PX))
