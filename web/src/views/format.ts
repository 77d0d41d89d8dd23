// Number, money, date and interval formatting for pages.
import { html, type Html } from '../html.js';

export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return v < 0.01 && v > 0 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`;
}

export function int(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US');
}

/** "2024-05-01 12:34" in UTC, with the full timestamp as a tooltip. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return html`–`;
  const short = iso.replace('T', ' ').slice(0, 16);
  return html`<time datetime="${iso}" title="${iso}">${short}</time>`;
}

export function speedup(v: number | null, lo: number | null, hi: number | null): Html {
  if (v === null) return html`<span class="muted">–</span>`;
  const ci = lo !== null && hi !== null ? html` <span class="ci">[${num(lo, 3)}, ${num(hi, 3)}]</span>` : '';
  return html`<strong>${num(v, 4)}×</strong>${ci}`;
}

export function shortId(id: string): string {
  return id.length > 14 ? id.slice(0, 14) : id;
}

export function duration(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${minutes.toFixed(1)} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

export function statusBadge(status: string): Html {
  const cls = /^[a-z-]+$/.test(status) ? status : 'other';
  return html`<span class="badge b-${cls}">${status}</span>`;
}

/**
 * What a candidate is, in one word: "verified", "incorrect" (evaluated but a check failed), else its stored
 * status (evaluated, failed, refused, pending). Every candidate badge in the UI goes through this.
 */
export function candidateState(c: { status: string; correct: number | null; verified: number }): string {
  if (c.verified === 1) return 'verified';
  if (c.status === 'evaluated' && c.correct === 0) return 'incorrect';
  return c.status;
}

export const candidateBadge = (c: { status: string; correct: number | null; verified: number }): Html =>
  statusBadge(candidateState(c));
