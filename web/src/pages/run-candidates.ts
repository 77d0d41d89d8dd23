// A run's candidate table, sortable and paginated (a 300k-candidate run is read one page at a time).
import { html, type Html } from '../html.js';
import type { RunCandidatesParams } from '../params.js';
import type { RunCandidateRow } from '../run-candidates.js';
import type { RunRow } from '../../../orchestrator/store/types.js';
import { candidateTable, pager } from '../views/candidate-table.js';
import { int, shortId } from '../views/format.js';
import { page } from './layout.js';

export function runCandidatesListPage(
  run: RunRow,
  p: RunCandidatesParams,
  data: { rows: RunCandidateRow[]; total: number },
): Html {
  const base = `/runs/${encodeURIComponent(run.id)}/candidates`;
  const first = (p.page - 1) * p.per + 1;
  return page({
    title: `Candidates of run ${run.id}`,
    nav: 'runs',
    body: html`<h1>
        Candidates of run <a class="mono" href="/runs/${encodeURIComponent(run.id)}">${shortId(run.id)}</a>
      </h1>
      <p class="lede">
        ${run.problem_name} · ${int(data.total)} candidates ·
        ${data.rows.length ? `showing ${int(first)}–${int(first + data.rows.length - 1)}` : 'none on this page'}
      </p>
      ${pager(p, data.total, base)} ${candidateTable(data.rows, { params: p, base })}
      ${pager(p, data.total, base)}`,
  });
}
