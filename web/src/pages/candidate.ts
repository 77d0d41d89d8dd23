// The candidate page: diffs against parent and seed, metrics, checks, timing samples, logs, LLM transcript, bundle.
import { html, type Html } from '../html.js';
import type { CandidateDetail, EvaluationView } from '../candidate-detail.js';
import { renderDiff } from '../views/diff.js';
import { candidateBadge, int, num, shortId, speedup, statusBadge, when } from '../views/format.js';
import { samplesPlot, seconds } from '../views/samples-plot.js';
import { transcript } from '../views/transcript.js';
import { page } from './layout.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const link = (id: string): Html => html`<a href="/candidates/${encodeURIComponent(id)}">${shortId(id)}</a>`;

function metricsTable(metrics: unknown): Html {
  if (!isRecord(metrics) || Object.keys(metrics).length === 0) return html`<p class="muted">no metrics</p>`;
  return html`<table class="compact kv">
    ${Object.entries(metrics).map(
      ([k, v]) =>
        html`<tr>
          <th>${k}</th>
          <td class="num">${typeof v === 'number' ? num(v) : JSON.stringify(v)}</td>
        </tr>`,
    )}
  </table>`;
}

function checksList(checks: unknown): Html {
  if (!Array.isArray(checks) || checks.length === 0) return html`<p class="muted">no checks reported</p>`;
  return html`<ul class="checks">
    ${checks.map((c) => {
      const r = isRecord(c) ? c : {};
      const ok = r.ok === true;
      return html`<li class="${ok ? 'ok' : 'bad'}">
        <span class="mark">${ok ? '✔' : '✘'}</span>
        ${typeof r.name === 'string' || typeof r.name === 'number' ? String(r.name) : '?'}${typeof r.detail === 'string' && r.detail ? html` <span class="sub">${r.detail}</span>` : ''}
      </li>`;
    })}
  </ul>`;
}

function logBlock(label: string, text: string): Html {
  return text.trim()
    ? html`<details>
        <summary>${label}</summary>
        <pre class="log">${text}</pre>
      </details>`
    : html``;
}

function evaluationSection(e: EvaluationView): Html {
  const artifacts = isRecord(e.artifacts) ? Object.entries(e.artifacts) : [];
  return html`<div class="evaluation">
    <h3>
      ${e.stage} ${statusBadge(e.status)}
      <span class="sub"
        >score ${num(e.score)} · ${int(e.durationMs)} ms ·
        ${e.sandbox}${e.seed === null ? '' : ` · seed ${e.seed}`} · ${when(e.createdAt)}</span
      >
    </h3>
    ${e.reason ? html`<p class="error">${e.reason}</p>` : ''}
    <div class="cols">
      <div>
        <h4>metrics</h4>
        ${metricsTable(e.metrics)}
      </div>
      <div>
        <h4>checks</h4>
        ${checksList(e.checks)}
      </div>
    </div>
    ${
      e.samples.length
        ? html`<p class="sub">
            ${e.samples.length} timing samples:
            ${e.samples
              .slice(0, 12)
              .map((s) => seconds(s.value))
              .join(', ')}${e.samples.length > 12 ? ', …' : ''}
          </p>`
        : ''
    }
    ${
      e.feedback.trim()
        ? html`<h4>feedback for the model</h4>
            <pre class="log">${e.feedback}</pre>`
        : ''
    }
    ${logBlock('stderr (tail)', e.stderrTail)}${logBlock('stdout (tail)', e.stdoutTail)}
    ${artifacts.map(([k, v]) => logBlock(`artifact: ${k}`, typeof v === 'string' ? v : JSON.stringify(v)))}
  </div>`;
}

function verdictSection(d: CandidateDetail): Html {
  const v = d.verdict;
  if (!v) return html`<p class="muted">not verified (no verdict)</p>`;
  return html`<p>
      ${v.verified ? html`<span class="badge b-verified">verified</span>` : html`<span class="badge b-failed">not verified</span>`}
      speedup
      ${speedup(v.speedup, v.ci_low, v.ci_high)}${v.confidence === null ? '' : ` at ${Math.round(v.confidence * 100)}% confidence`}
      · held-out score ${num(v.score)} ·
      ${v.method}${v.n_candidate === null ? '' : ` · n = ${v.n_candidate} / ${v.n_baseline ?? '–'}`}${v.baseline_candidate_id ? html` · baseline ${link(v.baseline_candidate_id)}` : ''}
    </p>
    <p class="sub">${v.reason}</p>
    ${samplesPlot(v.samples)}
    <div class="cols">
      <div>
        <h4>verdict metrics</h4>
        ${metricsTable(v.metrics)}
      </div>
      <div>
        <h4>fingerprint</h4>
        <pre class="json">${JSON.stringify(v.fingerprint, null, 2)}</pre>
      </div>
    </div>`;
}

export function candidatePage(d: CandidateDetail): Html {
  const c = d.candidate;
  const files = Object.entries(c.files);
  return page({
    title: `Candidate ${c.id}`,
    nav: 'runs',
    body: html`<h1>
        Candidate
        <span class="mono">${c.id}</span>
        ${candidateBadge(c)}
      </h1>
      <p class="lede">
        <a href="/problems/${encodeURIComponent(c.problem_name)}">${c.problem_name}</a
        >${d.run ? html` · run <a href="/runs/${encodeURIComponent(d.run.id)}">${shortId(d.run.id)}</a>` : ''}
        · iteration ${c.iteration ?? '–'} · generation
        ${c.generation}${c.island === null ? '' : ` · island ${c.island}`} ·
        ${c.proposer ?? '–'}${c.model ? ` / ${c.model}` : ''} · ${when(c.created_at)}
      </p>
      <p>
        ${
          d.verdict?.verified
            ? html`verified speedup
                <strong id="cand-speedup"
                  >${speedup(d.verdict.speedup, d.verdict.ci_low, d.verdict.ci_high)}</strong
                >
                · held-out score ${num(d.verdict.score)} ·`
            : ''
        }
        screen score
        <strong>${num(c.score)}</strong
        >${c.correct === 0 ? html` <span class="error-inline">(a check failed)</span>` : ''} · parent
        ${d.parent ? link(d.parent.id) : '–'}${d.seed ? html` · seed ${link(d.seed.id)}` : ''}${d.children.length ? html` · children ${d.children.map((k) => html`${link(k.id)} ${candidateBadge(k)} `)}` : ''}
        · <a class="button" id="bundle-link" href="${d.bundleUrl}">download bundle</a>
      </p>
      <section>
        <h2>Diff against parent</h2>
        ${d.parent ? renderDiff(d.diffVsParent, 'same files as the parent') : html`<p class="muted">no parent: this is a seed</p>`}
      </section>
      <section>
        <h2>Diff against seed</h2>
        ${renderDiff(d.diffVsSeed, d.seed || d.parent ? 'same files as the seed' : 'this is the seed')}
      </section>
      <section>
        <h2>Verification</h2>
        ${verdictSection(d)}
      </section>
      <section>
        <h2>Evaluations</h2>
        ${d.evaluations.length ? d.evaluations.map(evaluationSection) : html`<p class="muted">not evaluated yet</p>`}
      </section>
      <section>
        <h2>LLM transcript</h2>
        ${d.llmCalls.length ? d.llmCalls.map(transcript) : html`<p class="muted">no LLM calls recorded for this candidate</p>`}
      </section>
      ${
        c.edit === undefined
          ? ''
          : html`<section>
              <h2>Edit outcome</h2>
              <pre class="json">${JSON.stringify(c.edit, null, 2)}</pre>
            </section>`
      }
      <section>
        <h2>Files</h2>
        ${files.map(
          ([name, text]) =>
            html`<details>
              <summary class="mono">${name} (${int(text.split('\n').length)} lines)</summary>
              <pre class="code">${text}</pre>
            </details>`,
        )}
      </section>`,
  });
}
