// The run page's event views: verification progress and a generic list of recent events (any type, so events
// added later, such as Slurm job events, show without a change here).
import { html, type Html } from '../html.js';
import type { EventRow } from '../../../orchestrator/store/types.js';
import { parseJson } from '../parse-json.js';
import { num, shortId, when } from './format.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** "pair 7 of 30 · 1.42× [1.30, 1.55] · cand_…": a verify:progress payload, or null if it is not one. */
export function verifyProgress(e: EventRow | undefined): Html | null {
  if (!e) return null;
  const p = parseJson(e.payload_json);
  if (!isRecord(p) || typeof p.pair !== 'number' || typeof p.maxPairs !== 'number') return null;
  const iv = Array.isArray(p.interval)
    ? p.interval
    : isRecord(p.interval)
      ? [p.interval.low, p.interval.high]
      : [];
  const [lo, hi] = iv.map((x) => (typeof x === 'number' ? x : null));
  const sp = typeof p.speedup === 'number' ? `${num(p.speedup, 3)}×` : '';
  const ci = lo != null && hi != null ? ` [${num(lo, 3)}, ${num(hi, 3)}]` : '';
  const id = typeof p.candidateId === 'string' ? p.candidateId : '';
  return html`<p class="verify-progress" id="verify-progress">
    verifying ${id ? html`<a href="/candidates/${encodeURIComponent(id)}">${shortId(id)}</a>` : ''}: pair
    ${p.pair} of ${p.maxPairs}
    <meter min="0" max="${p.maxPairs}" value="${p.pair}"></meter>
    ${sp}${ci} · ${when(e.created_at)}
  </p>`;
}

/** A payload as short key=value text (values cut), whatever its type. */
function payloadText(json: string): string {
  const p = parseJson(json);
  if (!isRecord(p)) return JSON.stringify(p)?.slice(0, 160) ?? '';
  return Object.entries(p)
    .filter(([k]) => k !== 'runId')
    .map(([k, v]) => {
      const s = typeof v === 'number' ? num(v) : typeof v === 'string' ? v : JSON.stringify(v);
      return `${k}=${(s ?? '').length > 60 ? (s ?? '').slice(0, 60) + '…' : s}`;
    })
    .join(' · ');
}

export function eventList(events: EventRow[]): Html {
  if (events.length === 0) return html`<p class="muted">no events yet</p>`;
  return html`<ol class="events" id="recent-events">
    ${events.map(
      (e) =>
        html`<li data-type="${e.type}">
          ${when(e.created_at)} <span class="etype">${e.type}</span>
          <span class="payload">${payloadText(e.payload_json)}</span>
        </li>`,
    )}
  </ol>`;
}
