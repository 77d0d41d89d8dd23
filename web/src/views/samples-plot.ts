// The verdict's raw timing samples as SVG: candidate and baseline by order of measurement, with medians.
import { median } from 'simple-statistics';
import { html, type Html } from '../html.js';
import { num } from './format.js';
import { fx, linear } from './svg.js';

export interface Sample {
  arm: 'candidate' | 'baseline';
  key: string;
  seq: number;
  value: number;
}

const W = 960;
const H = 260;
const M = { l: 64, r: 16, t: 36, b: 34 };

/** Seconds in the most readable unit. */
export function seconds(v: number): string {
  if (v === 0) return '0';
  if (v >= 1) return `${num(v, 3)} s`;
  if (v >= 1e-3) return `${num(v * 1e3, 3)} ms`;
  return `${num(v * 1e6, 3)} µs`;
}

export function samplesPlot(samples: Sample[]): Html {
  if (samples.length === 0) return html`<p class="muted">no timing samples stored</p>`;
  const seqs = samples.map((s) => s.seq);
  const vals = samples.map((s) => s.value);
  const x = linear(Math.min(...seqs), Math.max(...seqs), M.l, W - M.r);
  const y = linear(0, Math.max(...vals) * 1.08, H - M.b, M.t);
  const arms = (['baseline', 'candidate'] as const).map((arm) => {
    const v = samples.filter((s) => s.arm === arm).map((s) => s.value);
    return { arm, n: v.length, med: v.length ? median(v) : null };
  });
  const medLines = arms
    .filter((a) => a.med !== null)
    .map(
      (a) =>
        html`<line
          class="med m-${a.arm}"
          x1="${M.l}"
          x2="${W - M.r}"
          y1="${fx(y(a.med!))}"
          y2="${fx(y(a.med!))}"
        />`,
    );
  const dots = samples.map(
    (s) =>
      html`<circle class="sample s-${s.arm}" cx="${fx(x(s.seq))}" cy="${fx(y(s.value))}" r="3.5"
        ><title>${s.arm} #${s.seq} ${s.key}: ${seconds(s.value)}</title></circle
      >`,
  );
  const ticks = y.ticks.map(
    (t) =>
      html`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(t))}" y2="${fx(y(t))}" /><text
          class="tick"
          x="${M.l - 6}"
          y="${fx(y(t) + 4)}"
          text-anchor="end"
          >${seconds(t)}</text
        >`,
  );
  const legend = arms.map(
    (a, i) =>
      html`<circle cx="${i * 230}" cy="0" r="4" class="s-${a.arm}" /><text x="${i * 230 + 8}" y="4"
          >${a.arm}: n=${a.n}, median ${a.med === null ? '–' : seconds(a.med)}</text
        >`,
  );
  return html`<svg
    id="samples-plot"
    class="chart"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-label="timing samples"
    data-samples="${samples.length}"
  >
    <g>${ticks}</g>
    <line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" />
    <text class="label" x="${(W + M.l) / 2}" y="${H - 6}" text-anchor="middle">order of measurement</text>
    <g>${medLines}</g>
    <g>${dots}</g>
    <g class="legend" transform="translate(${M.l + 10},14)">${legend}</g>
  </svg>`;
}
