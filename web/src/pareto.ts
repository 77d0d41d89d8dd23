// The run page's Pareto section (multi-objective problems): the front as a scatter of the first two objectives and a table.
import type { RunPareto } from '../../orchestrator/store/pareto-front.js';
import { objectivesPart, problemObjectives } from '../../problems/src/schema.js';
import { parseJson } from './parse-json.js';
import { html, type Html } from './html.js';
import { num, shortId } from './views/format.js';
import { H, M, W } from './views/score-chart.js';
import { fx, linear } from './views/svg.js';

const arrow = (d: 'maximize' | 'minimize'): string => (d === 'maximize' ? '↑' : '↓');
const candHref = (id: string): string => `/candidates/${encodeURIComponent(id)}`;

/** Scatter of every correct program on the first two objectives; the front is drawn filled and joined. */
function paretoChart(p: RunPareto): Html {
  const [a, b] = p.objectives;
  if (!a || !b || p.points.length === 0)
    return html`<div class="chart-empty" id="pareto-chart" data-points="0">no correct candidates yet</div>`;
  const xs = p.points.map((q) => q.values[a.name]!);
  const ys = p.points.map((q) => q.values[b.name]!);
  const x = linear(Math.min(...xs), Math.max(...xs), M.l, W - M.r);
  const y = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t);
  const front = p.points.filter((q) => q.onFront).sort((q, r) => q.values[a.name]! - r.values[a.name]!);
  const line = front.map((q, i) => `${i ? 'L' : 'M'}${fx(x(q.values[a.name]!))},${fx(y(q.values[b.name]!))}`);
  const dots = p.points.map(
    (q) =>
      html`<a href="${candHref(q.candidateId)}"
        ><circle
          class="${q.onFront ? 'pareto-front' : 'dot'}"
          cx="${fx(x(q.values[a.name]!))}"
          cy="${fx(y(q.values[b.name]!))}"
          r="${q.onFront ? 4 : 2.5}"
          ><title>
            ${shortId(q.candidateId)}: ${a.name} ${num(q.values[a.name])}, ${b.name} ${num(q.values[b.name])}
          </title></circle
        ></a
      >`,
  );
  const yTicks = y.ticks.map(
    (t) => html`<text class="tick" x="${M.l - 5}" y="${fx(y(t) + 4)}" text-anchor="end">${num(t, 3)}</text>`,
  );
  const xTicks = x.ticks.map(
    (t) =>
      html`<text class="tick" x="${fx(x(t))}" y="${H - M.b + 15}" text-anchor="middle">${num(t, 3)}</text>`,
  );
  return html`<svg
    class="chart"
    id="pareto-chart"
    viewBox="0 0 ${W} ${H}"
    data-points="${p.points.length}"
    data-front="${front.length}"
    role="img"
    aria-label="Pareto front of ${a.name} against ${b.name}"
  >
    <g>${yTicks}${xTicks}</g>
    <line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" />
    <text class="label" x="${(W + M.l) / 2}" y="${H - 3}" text-anchor="middle">
      ${a.name} ${arrow(a.direction)}
    </text>
    <text class="label" transform="translate(12,${(H - M.b + M.t) / 2}) rotate(-90)" text-anchor="middle">
      ${b.name} ${arrow(b.direction)}
    </text>
    <path class="best" d="${line.join('')}" fill="none" />
    ${dots}
  </svg>`;
}

/** The section, or nothing for a single-score run. */
export function paretoSection(p: RunPareto | null): Html | string {
  if (!p) return '';
  const front = p.points.filter((q) => q.onFront);
  return html`<section id="pareto">
    <h2>Pareto front</h2>
    <p class="muted">
      Parents are chosen by Pareto rank and crowding distance over
      ${p.objectives.map((o) => `${o.name} ${arrow(o.direction)}`).join(', ')} (screen measures).
      ${front.length} of ${p.points.length} correct candidates are non-dominated.
    </p>
    ${paretoChart(p)}
    <table class="compact" id="pareto-front">
      <thead>
        <tr>
          <th>candidate</th>
          <th>iteration</th>
          ${p.objectives.map((o) => html`<th>${o.name} ${arrow(o.direction)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${front.map(
          (q) =>
            html`<tr>
              <td><a href="${candHref(q.candidateId)}">${shortId(q.candidateId)}</a></td>
              <td class="num">${q.iteration}</td>
              ${p.objectives.map((o) => html`<td class="num">${num(q.values[o.name])}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** The objective names of a stored problem spec (empty for a single-score problem or an unreadable spec). */
export function objectivesOf(specJson: string | undefined): string[] {
  const spec = objectivesPart.safeParse(parseJson(specJson ?? 'null'));
  const names = spec.success ? problemObjectives(spec.data).map((o) => o.name) : [];
  return names.length >= 2 ? names : [];
}

/** The leaderboard's mark on a multi-objective problem: its entries rank by the primary score; runs show the front. */
export function multiObjectiveBadge(objectives: readonly string[]): Html | string {
  if (objectives.length < 2) return '';
  return html`<span
    class="badge b-pareto"
    title="multi-objective: ${objectives.join(' vs ')}; each run page shows its Pareto front"
    >Pareto: ${objectives.join(' × ')}</span
  >`;
}
