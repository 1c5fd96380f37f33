// Small SVG charts: a line chart (accuracy per round, reputation over heights, a price curve) and a
// bar chart (contributions). Plain SVG elements, no library; every label is escaped.
import { esc } from "./format.js";

const W = 640;
const H = 240;
const PAD = { left: 64, right: 16, top: 16, bottom: 40 };
// The same colours as style.css's .legend .c0-.c5: the page's content security policy allows no
// inline style, so the legend takes its colours from classes (SVG presentation attributes are fine).
const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];

/** Round numbers for an axis from lo to hi (about `n` ticks). */
function ticks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < 20; v += step) out.push(v);
  return out;
}

function frame(title, body, xLabel, yLabel) {
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
<title>${esc(title)}</title>${body}
<text class="axis-label" x="${PAD.left + (W - PAD.left - PAD.right) / 2}" y="${H - 4}" text-anchor="middle">${esc(xLabel)}</text>
<text class="axis-label" transform="translate(12 ${PAD.top + (H - PAD.top - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
</svg>`;
}

/**
 * series: [{name, points: [[x, y], ...]}]; marks: [{x, label}] drawn as vertical lines.
 * Options: yFormat(v) for tick labels, yMin/yMax to fix the range, step for a staircase.
 */
export function lineChart({ title, series, xLabel, yLabel, yFormat = String, yMin, yMax, marks = [] }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="muted">${esc(title)}: no data yet.</p>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const y0 = yMin ?? Math.min(0, ...ys);
  const y1 = yMax ?? Math.max(...ys, y0 + 1);
  const sx = (x) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (y) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  let body = "";
  for (const t of ticks(y0, y1)) {
    body += `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(t)}" y2="${sy(t)}"/>`;
    body += `<text class="tick" x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${esc(yFormat(t))}</text>`;
  }
  for (const t of ticks(x0, x1, 6)) {
    if (!Number.isInteger(t) && x1 - x0 > 6) continue;
    body += `<text class="tick" x="${sx(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(t)}</text>`;
  }
  for (const m of marks) {
    body += `<line class="mark" x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>`;
    body += `<text class="mark-label" x="${sx(m.x) + 4}" y="${PAD.top + 12}">${esc(m.label)}</text>`;
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`);
    body += `<path class="line" d="${d.join(" ")}" stroke="${color}" data-series="${esc(s.name)}"/>`;
    for (const p of s.points.length <= 60 ? s.points : []) {
      body += `<circle class="point" cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${s.name}: ${p[0]} → ${yFormat(p[1])}`)}</title></circle>`;
    }
  });
  const legend =
    series.length > 1
      ? `<div class="legend">${series.map((s, i) => `<span><i class="c${i % COLORS.length}"></i>${esc(s.name)}</span>`).join("")}</div>`
      : "";
  return frame(title, body, xLabel, yLabel) + legend;
}

/** bars: [{label, value, title?}] drawn left to right. */
export function barChart({ title, bars, xLabel, yLabel, yFormat = String }) {
  if (bars.length === 0) return `<p class="muted">${esc(title)}: no data yet.</p>`;
  const y1 = Math.max(...bars.map((b) => b.value), 1e-12);
  const sy = (y) => H - PAD.bottom - (y / y1) * (H - PAD.top - PAD.bottom);
  const slot = (W - PAD.left - PAD.right) / bars.length;
  let body = "";
  for (const t of ticks(0, y1)) {
    body += `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(t)}" y2="${sy(t)}"/>`;
    body += `<text class="tick" x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${esc(yFormat(t))}</text>`;
  }
  bars.forEach((b, i) => {
    const x = PAD.left + i * slot + slot * 0.15;
    const y = sy(b.value);
    body += `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(H - PAD.bottom - y).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(b.title ?? `${b.label}: ${yFormat(b.value)}`)}</title></rect>`;
    body += `<text class="tick" x="${(x + slot * 0.35).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(b.label)}</text>`;
  });
  return frame(title, body, xLabel, yLabel);
}
