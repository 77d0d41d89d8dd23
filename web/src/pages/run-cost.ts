// The run's cost page: LLM dollars per model and over time, with the per-model table.
import { html, type Html } from '../html.js';
import type { RunCost } from '../run-cost.js';
import { costByModelChart, costOverTimeChart } from '../views/cost-charts.js';
import { int, num, usd } from '../views/format.js';
import { page } from './layout.js';

export function runCostPage(c: RunCost): Html {
  const id = encodeURIComponent(c.runId);
  return page({
    title: `Cost of run ${c.runId}`,
    nav: 'runs',
    body: html`<h1>Cost of run <a class="mono" href="/runs/${id}">${c.runId}</a></h1>
      <p class="lede">
        ${usd(c.total.cost)} in ${int(c.total.calls)} LLM
        calls${c.total.errors ? ` (${int(c.total.errors)} failed)` : ''} · ${int(c.total.input_tokens)} /
        ${int(c.total.output_tokens)} tokens in / out
      </p>
      <section>
        <h2>Per model</h2>
        ${costByModelChart(c)}
        <div class="table-wrap">
          <table class="compact" id="cost-table">
            <thead>
              <tr>
                <th>model</th>
                <th>calls</th>
                <th>failed</th>
                <th>dollars</th>
                <th>tokens in</th>
                <th>tokens out</th>
                <th>mean latency</th>
              </tr>
            </thead>
            <tbody>
              ${c.byModel.map(
                (m) =>
                  html`<tr>
                    <td>${m.model}</td>
                    <td class="num">${int(m.calls)}</td>
                    <td class="num">${int(m.errors)}</td>
                    <td class="num">${usd(m.cost)}</td>
                    <td class="num">${int(m.input_tokens)}</td>
                    <td class="num">${int(m.output_tokens)}</td>
                    <td class="num">${m.calls ? `${num(m.latency_ms / m.calls / 1000, 3)} s` : '–'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
      <section>
        <h2>Over time</h2>
        ${costOverTimeChart(c)}
      </section>`,
  });
}
