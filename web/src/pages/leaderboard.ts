// The leaderboard page: per problem, the best verified results, with filter menus and sortable columns.
import { html, qs, type Html } from '../html.js';
import type { Leaderboard, LeaderboardEntry } from '../leaderboard.js';
import type { LeaderboardParams } from '../params.js';
import { num, shortId, speedup, usd, when } from '../views/format.js';
import { multiObjectiveBadge } from '../pareto.js';
import { page } from './layout.js';

function select(name: string, label: string, values: string[], current: string | undefined): Html {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">all</option>
      ${values.map((v) => html`<option value="${v}" ${v === current ? html` selected` : ''}>${v}</option>`)}
    </select></label
  >`;
}

/** A sortable header: a link, with aria-sort saying how the table is sorted now. */
function sortHeader(
  p: LeaderboardParams | undefined,
  key: LeaderboardParams['sort'],
  label: Html | string,
): Html {
  if (!p) return html`<th>${label}</th>`;
  const active = p.sort === key;
  const order = active && p.order === 'desc' ? 'asc' : 'desc';
  const arrow = active ? (p.order === 'desc' ? ' ▼' : ' ▲') : '';
  const href = '/' + qs({ ...p, sort: key, order, limit: p.limit === 20 ? undefined : p.limit });
  const aria = active ? (p.order === 'desc' ? 'descending' : 'ascending') : 'none';
  return html`<th aria-sort="${aria}">
    <a href="${href}" class="sort${active ? ' active' : ''}">${label}${arrow}</a>
  </th>`;
}

export function entryRow(e: LeaderboardEntry): Html {
  return html`<tr class="${e.tie ? 'tie' : ''}">
    <td class="num">
      ${e.rank}${e.tie ? html` <span class="badge b-tie" title="its interval overlaps the one above: a statistical tie">tie</span>` : ''}
    </td>
    <td class="num">${speedup(e.speedup, e.ciLow, e.ciHigh)}</td>
    <td class="num">${num(e.score)}</td>
    <td>${e.strategy ?? '–'}</td>
    <td>
      ${e.proposer ?? '–'}${e.model && e.model !== e.proposer ? html`<div class="sub">${e.model}</div>` : ''}
    </td>
    <td>${e.sandbox}</td>
    <td>${e.hardware}</td>
    <td class="num">${usd(e.costUsd)}</td>
    <td>${e.runId ? html`<a href="/runs/${encodeURIComponent(e.runId)}">${shortId(e.runId)}</a>` : '–'}</td>
    <td>
      <a class="cand" href="/candidates/${encodeURIComponent(e.candidateId)}">${shortId(e.candidateId)}</a>
    </td>
    <td>${when(e.date)}</td>
  </tr>`;
}

export function entriesTable(
  entries: LeaderboardEntry[],
  p?: LeaderboardParams,
  primary?: string | null,
): Html {
  return html`<div class="table-wrap">
    <table class="board leaderboard">
      <thead>
        <tr>
          <th>#</th>
          ${sortHeader(p, 'speedup', 'speedup [CI]')}
          ${sortHeader(p, 'score', html`held-out ${primary ?? 'score'}`)}
          <th>strategy</th>
          <th>proposer / model</th>
          <th>sandbox</th>
          <th>hardware</th>
          ${sortHeader(p, 'cost', 'run cost')}
          <th>run</th>
          <th>candidate</th>
          ${sortHeader(p, 'date', 'verified')}
        </tr>
      </thead>
      <tbody>
        ${entries.map(entryRow)}
      </tbody>
    </table>
  </div>`;
}

export function leaderboardPage(board: Leaderboard, p: LeaderboardParams): Html {
  const filters = html`<form class="filters" method="get" action="/">
    ${select('problem', 'problem', board.facets.problem, p.problem)}
    ${select('strategy', 'strategy', board.facets.strategy, p.strategy)}
    ${select('proposer', 'proposer', board.facets.proposer, p.proposer)}
    ${select('model', 'model', board.facets.model, p.model)}
    ${select('sandbox', 'sandbox', board.facets.sandbox, p.sandbox)}
    ${select('hardware', 'hardware', board.facets.hardware, p.hardware)}
    <label
      >rows
      <select name="per">
        <option value="run" ${p.per === 'run' ? html` selected` : ''}>best per run</option>
        <option value="candidate" ${p.per === 'candidate' ? html` selected` : ''}>
          every verified candidate
        </option>
      </select></label
    >
    <input type="hidden" name="sort" value="${p.sort}" /><input
      type="hidden"
      name="order"
      value="${p.order}"
    />
    <button type="submit">apply</button>
  </form>`;
  const sections = board.problems.map(
    (g) =>
      html`<section class="problem">
        <h2>
          <a href="/problems/${encodeURIComponent(g.name)}">${g.name}</a>
          <span class="count">${g.total} verified ${g.total === 1 ? 'result' : 'results'}</span>
          ${multiObjectiveBadge(g.objectives)}
        </h2>
        ${entriesTable(g.entries, p, g.primary)}
      </section>`,
  );
  return page({
    title: 'Leaderboard',
    nav: 'leaderboard',
    body: html`<h1>Leaderboard</h1>
      <p class="lede">
        Verified results only: each speedup was re-measured on held-out inputs, interleaved with the baseline,
        and its confidence interval cleared the problem's threshold. A
        <span class="badge b-tie">tie</span> marks an interval that overlaps the one above it: the order
        between them is not established.
      </p>
      ${filters}
      ${sections.length ? sections : html`<p class="empty">No verified results${p.problem || p.model || p.proposer || p.strategy || p.sandbox || p.hardware ? ' match these filters' : ' yet'}.</p>`}`,
  });
}
