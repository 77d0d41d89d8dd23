// The compare chart: one step line per run, its verified best so far against iterations or against LLM dollars.
import { html, type Html } from '../html.js';
import type { Compare } from '../compare.js';
import { num, shortId, usd } from './format.js';
import { axes, H, M, stepPath, W } from './score-chart.js';
import { fx, linear } from './svg.js';

/** Line colours (style.css: .series-0 … .series-7), reused past eight runs. */
export const SERIES = 8;

export function compareChart(c: Compare, by: 'iteration' | 'usd'): Html {
  const id = by === 'iteration' ? 'compare-iterations' : 'compare-dollars';
  const runs = c.runs.filter((r) => r.steps.length > 0);
  if (runs.length === 0)
    return html`<div class="chart-empty" id="${id}" data-lines="0">nothing verified in these runs yet</div>`;
  const xOf = (s: { iteration: number; usd: number }): number => (by === 'iteration' ? s.iteration : s.usd);
  const end = (r: Compare['runs'][number]): number => (by === 'iteration' ? r.maxIteration : r.spentUsd);
  const xs = runs.flatMap((r) => [...r.steps.map(xOf), end(r)]);
  const ys = runs.flatMap((r) => r.steps.map((s) => s.value));
  if (c.axis === 'speedup') ys.push(1);
  const xMax = Math.max(...xs);
  const x = linear(0, xMax, M.l, W - M.r);
  const y = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t);
  const yLabel = c.axis === 'speedup' ? 'verified speedup over the seed (×)' : 'verified held-out score';
  const lines = runs.map((r) => {
    const k = c.runs.indexOf(r) % SERIES;
    const pts: [number, number][] = r.steps.map((s) => [xOf(s), s.value]);
    return html`<g class="series series-${k}" data-run="${r.id}">
      <path class="line" d="${stepPath(pts, x, y, Math.max(end(r), pts.at(-1)![0]))}" />
      ${r.steps.map(
        (s) =>
          html`<a href="/candidates/${encodeURIComponent(s.candidateId)}"
            ><circle class="dot" cx="${fx(x(xOf(s)))}" cy="${fx(y(s.value))}" r="4"
              ><title>
                ${r.id} · ${shortId(s.candidateId)} · iteration ${s.iteration} · ${usd(s.usd)} spent ·
                ${c.axis === 'speedup' ? `${num(s.value, 3)}×${s.ciLow !== null && s.ciHigh !== null ? ` [${num(s.ciLow, 3)}, ${num(s.ciHigh, 3)}]` : ''}` : `held-out ${num(s.value)}`}
              </title></circle
            ></a
          >`,
      )}
    </g>`;
  });
  const one =
    c.axis === 'speedup'
      ? html`<line class="one" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(1))}" y2="${fx(y(1))}" />`
      : '';
  return html`<div class="chart-wrap">
    <svg
      id="${id}"
      class="chart"
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="${yLabel} against ${by === 'iteration' ? 'iterations' : 'LLM dollars spent'}, one line per run"
      data-lines="${runs.length}"
      data-axis="${c.axis}"
    >
      ${axes(x, y, by === 'iteration' ? 'iteration' : 'LLM dollars spent', yLabel)} ${one} ${lines}
    </svg>
  </div>`;
}

/** The legend as HTML (wraps on a phone, unlike SVG text): run, strategy, model, its verified best. */
export function compareLegend(c: Compare): Html {
  return html`<ul class="series-legend" id="compare-legend">
    ${c.runs.map((r, i) => {
      const last = r.steps.at(-1);
      return html`<li class="series-${i % SERIES}">
        <span class="swatch"></span><a href="/runs/${encodeURIComponent(r.id)}">${r.id}</a> ·
        ${r.strategy}${r.model ? ` · ${r.model}` : ''} ·
        ${last ? (c.axis === 'speedup' ? `${num(last.value, 3)}×` : `held-out ${num(last.value)}`) : 'nothing verified'}
        · ${usd(r.spentUsd)}
      </li>`;
    })}
  </ul>`;
}
