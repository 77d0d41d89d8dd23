// A table of candidates (the run page's top list and the paginated per-run table), with sortable headers.
import { html, qs, type Html } from '../html.js';
import type { RunCandidatesParams } from '../params.js';
import type { RunCandidateRow } from '../run-candidates.js';
import { candidateBadge, num, shortId, speedup } from './format.js';

type Sort = RunCandidatesParams['sort'];

/** A header cell: a link that sorts by it, with aria-sort on the active column. */
function th(label: string, key: Sort | null, p: RunCandidatesParams | undefined, base: string): Html {
  if (!key || !p) return html`<th>${label}</th>`;
  const active = p.sort === key;
  const order = active && p.order === 'asc' ? 'desc' : 'asc';
  const aria = active ? (p.order === 'asc' ? 'ascending' : 'descending') : 'none';
  const arrow = active ? (p.order === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th aria-sort="${aria}">
    <a
      class="sort${active ? ' active' : ''}"
      href="${base}${qs({ sort: key, order, per: p.per === 50 ? undefined : p.per })}"
      >${label}${arrow}</a
    >
  </th>`;
}

export function candidateTable(
  rows: RunCandidateRow[],
  opts: { params?: RunCandidatesParams; base?: string; primary?: string; id?: string } = {},
): Html {
  if (rows.length === 0) return html`<p class="muted">no candidates yet</p>`;
  const base = opts.base ?? '';
  const p = opts.params;
  return html`<div class="table-wrap">
    <table class="board candidates" id="${opts.id ?? 'candidate-table'}">
      <thead>
        <tr>
          ${th('candidate', null, p, base)} ${th('iteration', 'iteration', p, base)}
          ${th('island', 'island', p, base)} ${th('status', 'status', p, base)}
          ${th(`screen ${opts.primary ?? 'score'}`, 'score', p, base)}
          ${th('verified speedup [CI]', null, p, base)} ${th('edit', null, p, base)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (c) =>
            html`<tr>
              <td>
                <a class="cand mono" href="/candidates/${encodeURIComponent(c.id)}">${shortId(c.id)}</a>
              </td>
              <td class="num">${c.iteration ?? '–'}</td>
              <td class="num">${c.island ?? '–'}</td>
              <td>${candidateBadge(c)}</td>
              <td class="num">${num(c.score)}</td>
              <td class="num">
                ${c.verified ? speedup(c.speedup, c.ci_low, c.ci_high) : html`<span class="muted">–</span>`}
              </td>
              <td class="edit">${c.edit_summary ?? c.proposer ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Page links: previous, a window of page numbers, next. */
export function pager(p: RunCandidatesParams, total: number, base: string): Html {
  const pages = Math.max(1, Math.ceil(total / p.per));
  if (pages === 1) return html``;
  const link = (n: number, label: string | number, rel?: string): Html =>
    n === p.page
      ? html`<span class="current" aria-current="page">${label}</span>`
      : html`<a
          href="${base}${qs({ sort: p.sort, order: p.order, per: p.per === 50 ? undefined : p.per, page: n })}"
          ${rel ? html` rel="${rel}"` : ''}
          >${label}</a
        >`;
  const from = Math.max(1, p.page - 3);
  const to = Math.min(pages, p.page + 3);
  const nums: Html[] = [];
  for (let n = from; n <= to; n++) nums.push(link(n, n));
  return html`<nav class="pager" aria-label="pages">
    ${p.page > 1 ? link(p.page - 1, '‹ previous', 'prev') : ''} ${from > 1 ? html`${link(1, 1)} …` : ''}
    ${nums} ${to < pages ? html`… ${link(pages, pages)}` : ''}
    ${p.page < pages ? link(p.page + 1, 'next ›', 'next') : ''}
  </nav>`;
}
