// The runs list and problems list pages.
import { html, qs, type Html } from '../html.js';
import { parseJson } from '../parse-json.js';
import type { ProblemListRow, RunListRow } from '../queries.js';
import { int, num, shortId, speedup, statusBadge, usd, when } from '../views/format.js';
import { page } from './layout.js';

export function runsTable(runs: RunListRow[]): Html {
  if (runs.length === 0) return html`<p class="empty">No runs yet.</p>`;
  return html`<div class="table-wrap">
    <table class="board">
      <thead>
        <tr>
          <th>run</th>
          <th>problem</th>
          <th>status</th>
          <th>strategy</th>
          <th>proposer / model</th>
          <th>sandbox</th>
          <th>iterations</th>
          <th>candidates</th>
          <th>best screen score</th>
          <th>verified speedup [CI]</th>
          <th>spent</th>
          <th>started</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (r) =>
            html`<tr>
              <td><a href="/runs/${encodeURIComponent(r.id)}">${shortId(r.id)}</a></td>
              <td><a href="/problems/${encodeURIComponent(r.problem_name)}">${r.problem_name}</a></td>
              <td>${statusBadge(r.status)}</td>
              <td>${r.strategy}</td>
              <td>${r.proposer ?? '–'}${r.model ? html`<div class="sub">${r.model}</div>` : ''}</td>
              <td>${r.sandbox}</td>
              <td class="num">${int(r.iterations_done)}</td>
              <td class="num">${int(r.candidates)}</td>
              <td class="num">${num(r.best_score)}</td>
              <td class="num">
                ${r.verified ? html`<a href="/candidates/${encodeURIComponent(r.verified.candidateId)}">${speedup(r.verified.speedup, r.verified.ciLow, r.verified.ciHigh)}</a>` : html`<span class="muted">–</span>`}
              </td>
              <td class="num">${usd(r.spent_usd)}</td>
              <td>${when(r.created_at)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function runsPage(
  runs: RunListRow[],
  p: { limit: number; page: number; problem?: string },
  total: number,
): Html {
  const pages = Math.max(1, Math.ceil(total / p.limit));
  const link = (n: number, label: string, rel: string): Html =>
    html`<a
      rel="${rel}"
      href="/runs${qs({ problem: p.problem, limit: p.limit === 100 ? undefined : p.limit, page: n })}"
      >${label}</a
    >`;
  const pager =
    pages > 1
      ? html`<nav class="pager" aria-label="pages">
          ${p.page > 1 ? link(p.page - 1, '‹ newer', 'prev') : ''} <span>page ${p.page} of ${pages}</span>
          ${p.page < pages ? link(p.page + 1, 'older ›', 'next') : ''}
        </nav>`
      : '';
  return page({
    title: 'Runs',
    nav: 'runs',
    body: html`<h1>Runs</h1>
      <p class="lede">${int(total)} runs, newest first</p>
      ${runsTable(runs)} ${pager}`,
  });
}

export function problemsPage(problems: ProblemListRow[]): Html {
  const first = (spec: string | null): string => {
    const s = parseJson(spec) as { description?: unknown } | undefined;
    return typeof s?.description === 'string' ? (s.description.trim().split('\n')[0] ?? '') : '';
  };
  return page({
    title: 'Problems',
    nav: 'problems',
    body: html`<h1>Problems</h1>
      ${
        problems.length
          ? html`<div class="table-wrap">
              <table class="board">
                <thead>
                  <tr>
                    <th>problem</th>
                    <th>description</th>
                    <th>runs</th>
                  </tr>
                </thead>
                <tbody>
                  ${problems.map(
                    (p) =>
                      html`<tr>
                        <td><a href="/problems/${encodeURIComponent(p.name)}">${p.name}</a></td>
                        <td>${first(p.spec_json)}</td>
                        <td class="num">${int(p.runs)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No problems stored yet.</p>`
      }`,
  });
}
