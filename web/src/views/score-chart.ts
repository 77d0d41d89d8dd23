// The run's screen-score chart, drawn as SVG on the server: the cloud, the best curve, verified ones ringed.
// Only screen scores share this axis; held-out measures have their own chart (verified-chart.ts).
import { html, type Html } from '../html.js';
import { num, shortId } from './format.js';
import { fx, linear } from './svg.js';

export interface ScoreSeries {
  best: [number, number][];
  /** [iteration, top screen score of the bucket, candidate id]. */
  points: [number, number, string][];
  /** Screen scores of verified candidates, [iteration, score, id]. */
  verifiedScreen: [number, number, string][];
  maxIteration: number | null;
}

/** Chart geometry in viewBox units; small enough that text stays legible on a phone (see style.css). */
export const W = 640;
export const H = 260;
export const M = { l: 58, r: 12, t: 30, b: 34 };

/** A step path through improvement points, held flat until `xEnd`. */
export function stepPath(
  pts: [number, number][],
  x: (v: number) => number,
  y: (v: number) => number,
  xEnd: number,
): string {
  if (pts.length === 0) return '';
  let d = `M${fx(x(pts[0]![0]))},${fx(y(pts[0]![1]))}`;
  for (let i = 1; i < pts.length; i++) {
    const [it, v] = pts[i]!;
    d += `H${fx(x(it))}V${fx(y(v))}`;
  }
  return d + `H${fx(x(xEnd))}`;
}

/** Grid lines with y tick labels, x tick labels, the x axis and both axis titles. */
export function axes(
  x: ReturnType<typeof linear>,
  y: ReturnType<typeof linear>,
  xLabel: string,
  yLabel: string,
): Html {
  const grid = y.ticks.map(
    (t) =>
      html`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(t))}" y2="${fx(y(t))}" /><text
          class="tick"
          x="${M.l - 5}"
          y="${fx(y(t) + 4)}"
          text-anchor="end"
          >${num(t, 3)}</text
        >`,
  );
  const xticks = x.ticks
    .filter((t) => Number.isInteger(t))
    .map(
      (t) => html`<text class="tick" x="${fx(x(t))}" y="${H - M.b + 15}" text-anchor="middle">${t}</text>`,
    );
  return html`<g>${grid}${xticks}</g>
    <line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" />
    <text class="label" x="${(W + M.l) / 2}" y="${H - 3}" text-anchor="middle">${xLabel}</text>
    <text class="label" transform="translate(12,${(H - M.b + M.t) / 2}) rotate(-90)" text-anchor="middle">
      ${yLabel}
    </text>`;
}

const candHref = (id: string): string => `/candidates/${encodeURIComponent(id)}`;

export function scoreChart(s: ScoreSeries, primary = 'score'): Html {
  const all: [number, number][] = [...s.points, ...s.best, ...s.verifiedScreen].map((p) => [p[0], p[1]]);
  const n = s.points.length + s.best.length;
  if (all.length === 0)
    return html`<div class="chart-empty" id="score-chart" data-points="0">no scored candidates yet</div>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xMax = Math.max(s.maxIteration ?? 0, ...xs);
  const x = linear(Math.min(0, ...xs), xMax, M.l, W - M.r);
  const y = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t);
  const dots = s.points.map(
    ([it, v, id]) =>
      html`<a href="${candHref(id)}"
        ><circle class="pt" cx="${fx(x(it))}" cy="${fx(y(v))}" r="3"
          ><title>${shortId(id)} · iteration ${it}: screen ${primary} ${num(v)}</title></circle
        ></a
      >`,
  );
  const rings = s.verifiedScreen.map(
    ([it, v, id]) =>
      html`<a href="${candHref(id)}" class="vlink"
        ><circle class="vring" cx="${fx(x(it))}" cy="${fx(y(v))}" r="6"
          ><title>${shortId(id)} · verified · iteration ${it}: screen ${primary} ${num(v)}</title></circle
        ></a
      >`,
  );
  return html`<div class="chart-wrap">
    <svg
      id="score-chart"
      class="chart"
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="screen ${primary} over iterations"
      data-points="${n}"
      data-best="${s.best.at(-1)?.[1] ?? ''}"
      data-axis="screen"
    >
      ${axes(x, y, 'iteration', `screen ${primary}`)}
      <path class="best" d="${stepPath(s.best, x, y, xMax)}" />
      <g>${dots}</g>
      <g>${rings}</g>
      <g class="legend" transform="translate(${M.l + 8},12)">
        <rect x="0" y="0" width="12" height="3" class="lg-best" />
        <text x="16" y="6">best screen ${primary}</text>
        <circle cx="150" cy="2" r="3" class="pt" />
        <text x="157" y="6">candidates (best per bucket)</text>
        <circle cx="340" cy="2" r="5" class="vring" />
        <text x="350" y="6">verified</text>
      </g>
    </svg>
  </div>`;
}
