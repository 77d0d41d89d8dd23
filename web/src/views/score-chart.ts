// The run chart, drawn as SVG on the server: candidates' scores, the best and the verified-best curves.
import { html, type Html } from '../html.js';
import { num } from './format.js';
import { fx, linear } from './svg.js';

export interface ScoreSeries {
  best: [number, number][];
  verifiedBest: [number, number][];
  points: [number, number][];
  maxIteration: number | null;
}

const W = 960;
const H = 300;
const M = { l: 56, r: 16, t: 34, b: 36 };

/** A step path through improvement points, held flat until `xEnd`. */
function stepPath(pts: [number, number][], x: (v: number) => number, y: (v: number) => number, xEnd: number) {
  if (pts.length === 0) return '';
  let d = `M${fx(x(pts[0]![0]))},${fx(y(pts[0]![1]))}`;
  for (let i = 1; i < pts.length; i++) {
    const [it, v] = pts[i]!;
    d += `H${fx(x(it))}V${fx(y(v))}`;
  }
  return d + `H${fx(x(xEnd))}`;
}

export function scoreChart(s: ScoreSeries): Html {
  const all = [...s.points, ...s.best, ...s.verifiedBest];
  const n = s.points.length + s.best.length + s.verifiedBest.length;
  if (all.length === 0)
    return html`<div class="chart-empty" id="score-chart" data-points="0">no scored candidates yet</div>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xMax = Math.max(s.maxIteration ?? 0, ...xs);
  const x = linear(Math.min(0, ...xs), xMax, M.l, W - M.r);
  const y = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t);
  const grid = y.ticks.map(
    (t) =>
      html`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(t))}" y2="${fx(y(t))}" /><text
          class="tick"
          x="${M.l - 6}"
          y="${fx(y(t) + 4)}"
          text-anchor="end"
          >${num(t, 3)}</text
        >`,
  );
  const xticks = x.ticks
    .filter((t) => Number.isInteger(t))
    .map(
      (t) => html`<text class="tick" x="${fx(x(t))}" y="${H - M.b + 16}" text-anchor="middle">${t}</text>`,
    );
  const dots = s.points.map(
    ([it, v]) =>
      html`<circle class="pt" cx="${fx(x(it))}" cy="${fx(y(v))}" r="2.5"
        ><title>iteration ${it}: ${num(v)}</title></circle
      >`,
  );
  const vdots = s.verifiedBest.map(
    ([it, v]) =>
      html`<circle class="vpt" cx="${fx(x(it))}" cy="${fx(y(v))}" r="4"
        ><title>verified at iteration ${it}: ${num(v)}</title></circle
      >`,
  );
  return html`<svg
    id="score-chart"
    class="chart"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-label="score over iterations"
    data-points="${n}"
    data-best="${s.best.at(-1)?.[1] ?? ''}"
  >
    <g>${grid}${xticks}</g>
    <line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" />
    <text class="label" x="${(W + M.l) / 2}" y="${H - 4}" text-anchor="middle">iteration</text>
    <g>${dots}</g>
    <path class="best" d="${stepPath(s.best, x, y, xMax)}" />
    <path class="vbest" d="${stepPath(s.verifiedBest, x, y, xMax)}" />
    <g>${vdots}</g>
    <g class="legend" transform="translate(${M.l + 10},12)">
      <rect x="0" y="0" width="10" height="3" class="lg-best" />
      <text x="14" y="5">best score</text>
      <rect x="100" y="0" width="10" height="3" class="lg-vbest" />
      <text x="114" y="5">verified best</text>
      <circle cx="225" cy="2" r="2.5" class="pt" />
      <text x="232" y="5">candidates</text>
    </g>
  </svg>`;
}
