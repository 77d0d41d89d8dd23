// The problem page: description, seed program, evaluator and timing policy, best verified results, runs.
import { html, type Html } from '../html.js';
import type { ProblemDetail } from '../problem-detail.js';
import { entriesTable } from './leaderboard.js';
import { runsTable } from './lists.js';
import { page } from './layout.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string =>
  v === undefined || v === null
    ? '–'
    : typeof v === 'string'
      ? v
      : Array.isArray(v)
        ? v.map(text).join(' ')
        : isRecord(v)
          ? Object.entries(v)
              .map(([k, x]) => `${k}: ${text(x)}`)
              .join(' · ')
          : v === undefined
            ? ''
            : JSON.stringify(v);

function kv(rows: [string, unknown][]): Html {
  return html`<table class="compact kv">
    ${rows.map(
      ([k, v]) =>
        html`<tr>
          <th>${k}</th>
          <td>${text(v)}</td>
        </tr>`,
    )}
  </table>`;
}

export function problemPage(d: ProblemDetail): Html {
  const s = d.spec;
  const ev = isRecord(s.evaluator) ? s.evaluator : {};
  const stages = isRecord(ev.stages) ? Object.entries(ev.stages) : [];
  const metrics = Array.isArray(s.metrics) ? s.metrics.filter(isRecord) : [];
  const timing = isRecord(s.timing) ? s.timing : {};
  const files = Object.entries(d.seed.files);
  return page({
    title: d.name,
    nav: 'problems',
    body: html`<h1>
        ${d.name} ${typeof s.language === 'string' ? html`<span class="badge">${s.language}</span>` : ''}
      </h1>
      ${d.contentHash ? html`<p class="sub mono">content ${d.contentHash}</p>` : html`<p class="muted">this problem's package was not stored; only its runs are known</p>`}
      ${typeof s.description === 'string' ? html`<pre class="prose">${s.description.trim()}</pre>` : ''}
      <section>
        <h2>Best verified results</h2>
        ${d.best.length ? entriesTable(d.best, undefined, typeof d.spec.primary === 'string' ? d.spec.primary : null) : html`<p class="empty">No verified results yet.</p>`}
      </section>
      <div class="cols">
        <section>
          <h2>Evaluator</h2>
          ${kv([
            ['command', ev.command],
            ...stages.map(([k, v]): [string, unknown] => [`stage ${k}`, v]),
            ['primary metric', s.primary],
            ...metrics.map((m): [string, unknown] => [
              `metric ${text(m.name)}`,
              `${text(m.direction)}${m.deterministic ? ', deterministic' : ''}${m.description ? ` — ${text(m.description)}` : ''}`,
            ]),
          ])}
        </section>
        <section>
          <h2>Timing and resources</h2>
          ${kv([
            ['timing key', timing.key ?? 'deterministic'],
            [
              'samples (screen / verify / max)',
              `${text(timing.screen_samples)} / ${text(timing.verify_samples)} / ${text(timing.max_samples)}`,
            ],
            ['min effect', timing.min_effect],
            ['confidence', timing.confidence],
            ['resources', s.resources],
            ['sandbox', s.sandbox],
            ['workloads', s.workloads],
          ])}
        </section>
      </div>
      <section>
        <h2>Seed</h2>
        ${d.seed.candidateId ? html`<p class="sub">stored as candidate <a href="/candidates/${encodeURIComponent(d.seed.candidateId)}">${d.seed.candidateId}</a></p>` : ''}${
          files.length
            ? files.map(
                ([name, t]) =>
                  html`<details open>
                    <summary class="mono">${name}</summary>
                    <pre class="code">${t}</pre>
                  </details>`,
              )
            : html`<p class="muted">seed files not available</p>`
        }
      </section>
      <section>
        <h2>Runs</h2>
        <p>
          <a href="/problems/${encodeURIComponent(d.name)}/compare" id="compare-link"
            >compare the runs' verified best against iterations and dollars →</a
          >
        </p>
        ${runsTable(d.runs)}
      </section>`,
  });
}
