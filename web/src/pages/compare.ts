// The compare page: runs of one problem, their verified best against iterations and against LLM dollars.
import type { Compare } from '../compare.js';
import { html, type Html } from '../html.js';
import { compareChart, compareLegend } from '../views/compare-chart.js';
import { when } from '../views/format.js';
import { page } from './layout.js';

function chooser(c: Compare): Html {
  return html`<form method="get" class="filters" id="compare-runs">
      <label
        >Runs (comma-separated ids)
        <input type="text" name="runs" value="${c.runs.map((r) => r.id).join(',')}" size="40" />
      </label>
      <button type="submit">Compare</button>
    </form>
    <ul class="plain" id="compare-available">
      ${c.available.map(
        (r) =>
          html`<li>
            <span class="mono">${r.id}</span> · ${r.strategy}${r.model ? ` · ${r.model}` : ''} · ${r.status} ·
            ${when(r.created_at)}
          </li>`,
      )}
    </ul>`;
}

export function comparePage(c: Compare): Html {
  const p = encodeURIComponent(c.problem);
  return page({
    title: `Compare runs of ${c.problem}`,
    nav: 'problems',
    body: html`<h1>Compare runs of <a href="/problems/${p}">${c.problem}</a></h1>
      <p class="lede">
        The verified best so far of each run (held-out inputs, timed against the seed), each time it improved.
        Screen scores are not shown: only verified results are compared.
      </p>
      ${compareLegend(c)}
      <section>
        <h2>Against iterations</h2>
        ${compareChart(c, 'iteration')}
      </section>
      <section>
        <h2>Against LLM dollars</h2>
        <p class="muted">Dollars the run had spent on LLM calls when the candidate was proposed.</p>
        ${compareChart(c, 'usd')}
      </section>
      <section>
        <h2>Runs of ${c.problem}</h2>
        ${chooser(c)}
      </section>`,
  });
}
