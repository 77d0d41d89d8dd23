// The run page: live while running (the script re-renders it on server-sent events), the same page when finished.
import { html, type Html } from '../html.js';
import type { RunSummary } from '../run-summary.js';
import { candidateTable } from '../views/candidate-table.js';
import { duration, int, num, shortId, speedup, statusBadge, usd, when } from '../views/format.js';
import { eventList, verifyProgress } from '../views/run-events.js';
import { verifiedChart } from '../views/verified-chart.js';
import { lineageTree } from '../views/lineage.js';
import { lineageGraph } from '../views/lineage-graph.js';
import { islandsTable, mapElitesView, rawState } from '../views/population.js';
import { scoreChart } from '../views/score-chart.js';
import { paretoSection } from '../pareto.js';
import { metaSection } from '../meta-recommendations.js';
import { page } from './layout.js';

function stat(label: string, value: Html | string, sub?: Html | string): Html {
  return html`<div class="stat">
    <div class="v">${value}</div>
    <div class="k">${label}</div>
    ${sub ? html`<div class="sub">${sub}</div>` : ''}
  </div>`;
}

const candLink = (id: string | null): Html =>
  id ? html`<a href="/candidates/${encodeURIComponent(id)}">${shortId(id)}</a>` : html`–`;

/** The headline: the verified best under the one rule, its speedup and interval, linking that candidate. */
function verifiedHeadline(s: RunSummary): Html {
  const v = s.verifiedBest;
  if (!v)
    return html`<div class="headline none" id="verified-best" data-candidate="">
      <div class="k">verified best</div>
      <div class="v">none yet</div>
      <div class="sub">${int(s.counts.verified)} verified of ${int(s.counts.candidates)} candidates</div>
    </div>`;
  return html`<div
    class="headline"
    id="verified-best"
    data-candidate="${v.candidateId}"
    data-speedup="${v.speedup ?? ''}"
  >
    <div class="k">verified best</div>
    <div class="v">
      ${v.speedup !== null ? speedup(v.speedup, v.ciLow, v.ciHigh) : html`held-out score <strong>${num(v.heldOutScore)}</strong>`}
    </div>
    <div class="sub">
      ${v.speedup !== null ? html`speedup over the seed on held-out inputs${v.confidence === null ? '' : `, ${Math.round(v.confidence * 100)}% interval`} · ` : ''}
      ${candLink(v.candidateId)} · iteration ${v.iteration ?? '–'} · held-out score ${num(v.heldOutScore)} ·
      ${v.method} · ${int(s.counts.verified)} verified
    </div>
  </div>`;
}

/** The part of the run page that live updates replace. */
export function runBody(s: RunSummary): Html {
  const r = s.run;
  const best = s.series.best.at(-1)?.[1] ?? null;
  const reported = s.throughput.reported as { evalsPerMinute?: unknown; inFlight?: unknown } | undefined;
  const live = r.status === 'running';
  const incorrect = s.counts.byStatus.find((c) => c.status === 'evaluated');
  return html`<div class="run-head">
      <h1>
        Run
        <span class="mono">${r.id}</span>
        ${statusBadge(r.status)}${live ? html` <span class="live" id="live-indicator">live</span>` : ''}
      </h1>
      <p class="lede">
        <a href="/problems/${encodeURIComponent(r.problem_name)}">${r.problem_name}</a> · strategy
        ${r.strategy} · proposer
        ${r.proposer ?? '–'}${r.model && r.model !== r.proposer ? html` · model ${r.model}` : ''} · sandbox
        ${r.sandbox} · started ${when(r.created_at)} · updated ${when(r.updated_at)}
      </p>
      ${r.error ? html`<p class="error">${r.error}</p>` : ''}
      <p class="links">
        <a href="/runs/${encodeURIComponent(r.id)}/cost" id="run-cost-link">cost by model and over time →</a>
        ·
        <a href="/problems/${encodeURIComponent(r.problem_name)}/compare" id="run-compare-link"
          >compare with other runs of ${r.problem_name} →</a
        >
      </p>
    </div>
    ${verifiedHeadline(s)} ${verifyProgress(s.verifyProgress) ?? ''}
    <div class="stats" id="run-stats">
      ${stat('iterations', int(r.iterations_done), `${int(s.counts.candidates)} candidates`)}
      ${stat('best screen score', num(best), html`${candLink(r.best_candidate_id)} · not verified unless ringed below`)}
      ${stat('incorrect', int(incorrect ? incorrect.n - incorrect.correct : 0), `${int(s.counts.correct)} correct`)}
      ${stat('spend', usd(s.spend.cost), `${int(s.spend.calls)} LLM calls${s.spend.errors ? `, ${s.spend.errors} failed` : ''}`)}
      ${stat('tokens', `${int(s.spend.input_tokens)} / ${int(s.spend.output_tokens)}`, 'in / out')}
      ${stat('cache', s.spend.cache_share === null ? '–' : `${Math.round(100 * s.spend.cache_share)}%`, 'of input tokens read from cache')}
      ${stat(
        'throughput',
        s.throughput.perMinute === null ? '–' : `${num(s.throughput.perMinute, 3)}/min`,
        `${int(s.throughput.evaluated)} evaluated in ${duration(s.throughput.minutes)}${typeof reported?.evalsPerMinute === 'number' ? ` · now ${num(reported.evalsPerMinute, 3)}/min` : ''}`,
      )}
    </div>
    <div id="run-extra-lines"></div>
    <section>
      ${
        s.series.verified.some((v) => v.speedup !== null)
          ? html`<h2>Verified speedup over iterations</h2>
              <p class="muted">
                Held-out inputs, timed interleaved with the seed; whiskers are the intervals. Not comparable
                with screen scores (other input shapes).
              </p>`
          : html`<h2>Verified held-out score over iterations</h2>
              <p class="muted">
                Held-out inputs (other shapes than screening): not comparable with screen scores.
              </p>`
      }
      ${verifiedChart(s.series.verified, s.verifiedBest?.candidateId ?? null, s.series.maxIteration)}
    </section>
    <section>
      <h2>Screen score over iterations</h2>
      ${scoreChart(s.series)}
    </section>
    ${paretoSection(s.pareto)} ${metaSection(s.state)}
    <section>
      <h2>Candidates</h2>
      <p class="muted">
        The ${s.topCandidates.length} best by screen score ·
        <a href="/runs/${encodeURIComponent(r.id)}/candidates" id="all-candidates"
          >all ${int(s.counts.candidates)} candidates, sortable →</a
        >
      </p>
      ${candidateTable(s.topCandidates, { id: 'top-candidates' })}
    </section>
    <div class="cols">
      <section>
        <h2>Islands</h2>
        ${islandsTable(s.islands)}
      </section>
      <section>
        <h2>MAP-Elites</h2>
        ${mapElitesView(s.state, s.cells)}
      </section>
      <section>
        <h2>Candidates by status</h2>
        <table class="compact">
          <thead>
            <tr>
              <th>status</th>
              <th>n</th>
              <th>correct</th>
              <th>verified</th>
            </tr>
          </thead>
          <tbody>
            ${s.counts.byStatus.map(
              (c) =>
                html`<tr>
                  <td>${statusBadge(c.status)}</td>
                  <td class="num">${int(c.n)}</td>
                  <td class="num">${int(c.correct)}</td>
                  <td class="num">${int(c.verified)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
    </div>
    <section>
      <h2>Lineage</h2>
      ${s.lineage.sampled ? html`<p class="muted">${int(s.lineage.total)} candidates: showing the 20 best and 20 latest with up to 8 generations of ancestors, and the path to the best; a dashed stub marks a cut ancestry (${int(s.lineage.nodes.length)} nodes).</p>` : ''}
      <p class="muted" id="lineage-path">
        ${s.lineage.pathTo ? html`Highlighted: the ${s.lineage.path.length} generations${s.lineage.pathCut ? ' (cut)' : ''} from the seed to ${s.verifiedBest?.candidateId === s.lineage.pathTo ? 'the verified best' : 'the best screen score'}, ${candLink(s.lineage.pathTo)}.` : 'No best yet.'}
      </p>
      ${lineageGraph(s.lineage.nodes, s.lineage.path, s.lineage.pathTo)}
      <details>
        <summary>the same lineage as a list</summary>
        ${lineageTree(s.lineage.nodes, r.best_candidate_id)}
      </details>
    </section>
    <section>
      <h2>Recent events</h2>
      ${eventList(s.recentEvents)}
    </section>
    <section>
      <h2>State and configuration</h2>
      ${rawState(s.state)}
      <details>
        <summary>configuration</summary>
        <pre class="json">${JSON.stringify(s.config, null, 2)}</pre>
      </details>
    </section>`;
}

export function runPage(s: RunSummary): Html {
  const id = encodeURIComponent(s.run.id);
  return page({
    title: `Run ${s.run.id}`,
    nav: 'runs',
    body: runBody(s),
    data:
      s.run.status === 'running'
        ? {
            live: `/api/runs/${id}/events`,
            fragment: `/runs/${id}?fragment=1`,
            'last-event-id': String(s.lastEventId),
          }
        : {},
  });
}
