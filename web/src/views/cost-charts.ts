// Cost charts of a run: dollars per model (bars) and over time (bars per time bucket, the cumulative line on top).
import { html, type Html } from '../html.js';
import type { RunCost } from '../run-cost.js';
import { int, num, usd } from './format.js';
import { axes, H, M, W } from './score-chart.js';
import { fx, linear } from './svg.js';

export function costByModelChart(c: RunCost): Html {
  if (c.byModel.length === 0)
    return html`<div class="chart-empty" id="cost-by-model" data-bars="0">no LLM calls in this run</div>`;
  const row = 26;
  const h = M.t + row * c.byModel.length + 10;
  const left = 170;
  const max = Math.max(...c.byModel.map((m) => m.cost), 1e-9);
  const x = linear(0, max, left, W - 90);
  return html`<div class="chart-wrap">
    <svg
      id="cost-by-model"
      class="chart"
      viewBox="0 0 ${W} ${h}"
      role="img"
      aria-label="LLM dollars per model"
      data-bars="${c.byModel.length}"
    >
      ${c.byModel.map((m, i) => {
        const yy = M.t + i * row;
        return html`<g class="bar-row" data-model="${m.model}">
          <text x="${left - 6}" y="${yy + 15}" text-anchor="end" class="bar-label"
            >${m.model.slice(0, 26)}</text
          >
          <rect
            class="bar"
            x="${left}"
            y="${yy + 3}"
            width="${fx(Math.max(1, x(m.cost) - left))}"
            height="${row - 8}"
            ><title>
              ${m.model}: ${usd(m.cost)} · ${int(m.calls)} calls · ${int(m.input_tokens)} /
              ${int(m.output_tokens)} tokens in / out
            </title></rect
          >
          <text x="${fx(x(m.cost) + 6)}" y="${yy + 15}" class="bar-value">${usd(m.cost)}</text>
        </g>`;
      })}
      <text class="label" x="${left}" y="14">dollars per model (${int(c.total.calls)} calls)</text>
    </svg>
  </div>`;
}

export function costOverTimeChart(c: RunCost): Html {
  if (c.overTime.length === 0)
    return html`<div class="chart-empty" id="cost-over-time" data-buckets="0">no LLM calls in this run</div>`;
  const t0 = Date.parse(c.overTime[0]![0]);
  const minutes = (iso: string): number => (Date.parse(iso) - t0) / 60_000;
  const width = c.bucketSeconds / 60;
  const xMax = minutes(c.overTime.at(-1)![0]) + width;
  const x = linear(0, xMax, M.l, W - M.r);
  const cumMax = c.overTime.at(-1)![2];
  const y = linear(0, Math.max(cumMax, 1e-9), H - M.b, M.t);
  const bars = c.overTime.map(([iso, d, cum, n]) => {
    const x0 = x(minutes(iso));
    return html`<rect
      class="bar"
      x="${fx(x0)}"
      y="${fx(y(d))}"
      width="${fx(Math.max(1, x(minutes(iso) + width) - x0 - 1))}"
      height="${fx(H - M.b - y(d))}"
      ><title>
        ${iso.slice(0, 16).replace('T', ' ')}: ${usd(d)} in ${int(n)} calls · ${usd(cum)} so far
      </title></rect
    >`;
  });
  let d = `M${fx(x(0))},${fx(y(0))}`;
  for (const [iso, , cum] of c.overTime) d += `L${fx(x(minutes(iso) + width))},${fx(y(cum))}`;
  const unit =
    width >= 1440
      ? `${num(width / 1440, 3)} d`
      : width >= 60
        ? `${num(width / 60, 3)} h`
        : `${num(width, 3)} min`;
  return html`<div class="chart-wrap">
    <svg
      id="cost-over-time"
      class="chart"
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="LLM dollars over time: per ${unit} and cumulative"
      data-buckets="${c.overTime.length}"
    >
      ${axes(x, y, 'minutes since the first call', 'LLM dollars')}
      <g>${bars}</g>
      <path class="best" d="${d}" />
      <g class="legend" transform="translate(${M.l + 8},12)">
        <rect x="0" y="0" width="12" height="3" class="lg-best" />
        <text x="16" y="6">cumulative</text>
        <rect x="100" y="-3" width="10" height="8" class="bar" />
        <text x="115" y="6">per ${unit}</text>
      </g>
    </svg>
  </div>`;
}
