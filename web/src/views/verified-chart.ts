// The verified chart: each verified candidate's speedup over the seed with its interval, on held-out inputs.
// It never shares an axis with screen scores (held-out inputs differ in shape).
import { html, type Html } from '../html.js';
import type { VerifiedPoint } from '../run-summary.js';
import { num, shortId } from './format.js';
import { axes, H, M, W } from './score-chart.js';
import { fx, linear } from './svg.js';

export function verifiedChart(
  points: VerifiedPoint[],
  bestId: string | null,
  maxIteration: number | null,
): Html {
  const bySpeedup = points.some((p) => p.speedup !== null);
  const value = (p: VerifiedPoint): number | null => (bySpeedup ? p.speedup : p.heldOutScore);
  const shown = points.filter(
    (p): p is VerifiedPoint & { iteration: number } => p.iteration !== null && value(p) !== null,
  );
  if (shown.length === 0)
    return html`<div class="chart-empty" id="verified-chart" data-points="0">nothing verified yet</div>`;
  const ys = shown.flatMap((p) => [value(p)!, ...(bySpeedup ? [p.ciLow, p.ciHigh] : [])]);
  const finite = ys.filter((v): v is number => v !== null && Number.isFinite(v));
  if (bySpeedup) finite.push(1); // the seed's own speed, for reference
  const xs = shown.map((p) => p.iteration);
  const xMax = Math.max(maxIteration ?? 0, ...xs);
  const x = linear(Math.min(0, ...xs), xMax, M.l, W - M.r);
  const y = linear(Math.min(...finite), Math.max(...finite), H - M.b, M.t);
  const label = bySpeedup ? 'verified speedup over the seed (×)' : 'held-out score';
  const marks = shown.map((p) => {
    const v = value(p)!;
    const whisker =
      bySpeedup && p.ciLow !== null && p.ciHigh !== null
        ? html`<line
            class="ci"
            x1="${fx(x(p.iteration))}"
            x2="${fx(x(p.iteration))}"
            y1="${fx(y(p.ciLow))}"
            y2="${fx(y(p.ciHigh))}"
          />`
        : '';
    const best = p.candidateId === bestId;
    return html`<a href="/candidates/${encodeURIComponent(p.candidateId)}"
      >${whisker}<circle
        class="${best ? 'vpt vbest-pt' : 'vpt'}"
        cx="${fx(x(p.iteration))}"
        cy="${fx(y(v))}"
        r="${best ? 6 : 4}"
        ><title>
          ${shortId(p.candidateId)} · iteration ${p.iteration}:
          ${bySpeedup ? `${num(v, 3)}× [${num(p.ciLow, 3)}, ${num(p.ciHigh, 3)}]` : `held-out ${num(v)}`}${best ? ' · verified best' : ''}
        </title></circle
      ></a
    >`;
  });
  const one = bySpeedup
    ? html`<line class="one" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(1))}" y2="${fx(y(1))}" />`
    : '';
  return html`<div class="chart-wrap">
    <svg
      id="verified-chart"
      class="chart"
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="${label} over iterations"
      data-points="${shown.length}"
      data-axis="${bySpeedup ? 'speedup' : 'held-out'}"
    >
      ${axes(x, y, 'iteration', label)} ${one}
      <g>${marks}</g>
    </svg>
  </div>`;
}
