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

# Lay plotly charts out again at the paper's width just before printing (and back after).
PRINT_JS = """
(function () {
  function relayout() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".js-plotly-plot").forEach(function (g) { window.Plotly.Plots.resize(g); });
  }
  window.addEventListener("beforeprint", relayout);
  window.addEventListener("afterprint", relayout);
  if (window.matchMedia) {
    var mq = window.matchMedia("print");
    if (mq.addEventListener) { mq.addEventListener("change", relayout); }
  }
})();
"""
