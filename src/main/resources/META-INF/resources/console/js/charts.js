// Bar charts with uPlot (from its webjar). Each chart is a <figure> with a caption, and the same
// numbers are also given as a table next to it, so the chart is never the only way to read them.
import { html } from './ui.js';

const PALETTE = ['#0b4f8a', '#b35900', '#1d6b33', '#7a1f8a', '#a11a1a', '#3d5a80'];

/**
 * Draws one series of bars into container: categories (services, kinds, days) along x,
 * values up the y axis; colour picks the palette entry the figure's legend shows.
 */
export function bars(container, categories, values, yLabel, colour = 0) {
  container.innerHTML = '';
  if (!categories.length || typeof uPlot === 'undefined') {
    container.textContent = 'Nothing to chart.';
    return null;
  }
  const xs = categories.map((_, i) => i);
  const width = Math.max(320, Math.min(container.clientWidth || 600, 900));
  const opts = {
    width,
    height: 240,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, categories.length - 0.4] } },
    axes: [
      { values: (u, ticks) => ticks.map(t => Number.isInteger(t) && categories[t] !== undefined ? categories[t] : ''),
        splits: () => xs, gap: 6, size: 40 },
      { label: yLabel, size: 70 },
    ],
    series: [{}, {
      label: yLabel,
      stroke: PALETTE[colour % PALETTE.length],
      fill: PALETTE[colour % PALETTE.length],
      paths: uPlot.paths.bars({ size: [0.6, 80] }),
      points: { show: false },
    }],
  };
  return new uPlot(opts, [xs, values], container);
}

/** A figure: caption, chart area and a legend naming each series' colour. */
export function figure(id, caption, seriesLabels, colour = 0) {
  return html`<figure class="card" aria-labelledby="${id}-caption">
    <figcaption id="${id}-caption">${caption}</figcaption>
    <div id="${id}" class="chart" role="img" aria-label="${caption}; the same figures are in the table below"></div>
    <div class="legend">${seriesLabels.map((l, i) => html`<span class="swatch" data-colour="${colour + i}"></span><span>${l}</span>`)}</div>
  </figure>`;
}

/** Colours the legend swatches (set through the CSSOM: the console's CSP allows no inline styles in markup). */
export function paintLegends(root) {
  root.querySelectorAll('span.swatch[data-colour]').forEach(s => {
    s.style.background = PALETTE[Number(s.dataset.colour) % PALETTE.length];
  });
}
