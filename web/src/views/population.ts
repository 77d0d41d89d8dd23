// Island and MAP-Elites occupancy. Islands come from the candidates table; the MAP-Elites archive from
// run.state_json, whose shape the population code owns, so it is recognised loosely and shown raw otherwise.
import { html, type Html } from '../html.js';
import type { IslandCount } from '../run-summary.js';
import { int, num } from './format.js';

type Cell = { coords: number[]; score: number | null; id?: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const scoreOf = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (isRecord(v))
    for (const k of ['score', 'fitness', 'best', 'value']) if (typeof v[k] === 'number') return v[k];
  return null;
};

/** Finds an archive-like value in the state: a key named like map_elites / archive / grid, up to two levels down. */
function findArchive(state: unknown, depth = 0): unknown {
  if (!isRecord(state) || depth > 2) return undefined;
  for (const [k, v] of Object.entries(state)) if (/map.?elites|archive|grid|elites|cells/i.test(k)) return v;
  for (const v of Object.values(state)) {
    const found = findArchive(v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Turns the common archive encodings into cells: {"3,4": x}, [[x, null], ...], [{cell: [3, 4], ...}]. */
export function archiveCells(archive: unknown): Cell[] | undefined {
  if (isRecord(archive)) {
    const inner = archive.cells ?? archive.grid ?? archive.archive ?? archive.elites;
    if (inner !== undefined && inner !== archive) return archiveCells(inner);
    const cells: Cell[] = [];
    for (const [k, v] of Object.entries(archive)) {
      const coords = k.match(/-?\d+/g)?.map(Number);
      if (!coords || coords.length === 0 || coords.length > 3) return undefined;
      if (v !== null) cells.push({ coords, score: scoreOf(v) });
    }
    return cells;
  }
  if (Array.isArray(archive)) {
    if (archive.every((r) => Array.isArray(r))) {
      const cells: Cell[] = [];
      archive.forEach((row: unknown[], i) =>
        row.forEach((v, j) => {
          if (v !== null && v !== undefined && v !== false) cells.push({ coords: [i, j], score: scoreOf(v) });
        }),
      );
      return cells;
    }
    const cells: Cell[] = [];
    for (const e of archive) {
      if (!isRecord(e)) return undefined;
      const c = e.cell ?? e.coords ?? e.key ?? e.bin ?? e.index;
      const coords = Array.isArray(c)
        ? c.filter((x): x is number => typeof x === 'number')
        : typeof c === 'number'
          ? [c]
          : typeof c === 'string'
            ? c.match(/-?\d+/g)?.map(Number)
            : undefined;
      if (!coords || coords.length === 0) return undefined;
      cells.push({ coords, score: scoreOf(e) });
    }
    return cells;
  }
  return undefined;
}

/** Cells as an SVG grid: x is the first feature, y the second (labelled when known); a cell links to its elite. */
function archiveGrid(cells: Cell[], maxPx = 480, axes: string[] = []): Html {
  const xs = cells.map((c) => c.coords[0] ?? 0);
  const ys = cells.map((c) => c.coords[1] ?? 0);
  const nx = Math.min(64, Math.max(...xs) + 1);
  const ny = Math.min(64, Math.max(...ys) + 1);
  const size = Math.max(6, Math.min(24, Math.floor(maxPx / Math.max(nx, ny))));
  const scores = cells.map((c) => c.score).filter((s): s is number => s !== null);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const shade = (s: number | null): string =>
    s === null || hi === lo ? '0.8' : (0.25 + (0.75 * (s - lo)) / (hi - lo)).toFixed(2);
  const pad = 14; // room for the axis labels (left and bottom)
  const w = nx * size;
  const h = ny * size;
  const rects = cells
    .filter((c) => (c.coords[0] ?? 0) < nx && (c.coords[1] ?? 0) < ny)
    .map((c) => {
      const rect = html`<rect
        class="cell"
        x="${pad + (c.coords[0] ?? 0) * size}"
        y="${(c.coords[1] ?? 0) * size}"
        width="${size - 1}"
        height="${size - 1}"
        fill-opacity="${shade(c.score)}"
        ><title>
          ${axes[0] ?? 'x'} bin ${c.coords[0] ?? 0}, ${axes[1] ?? 'y'} bin ${c.coords[1] ?? 0}:
          ${num(c.score)}${c.id ? ` · ${c.id}` : ''}
        </title></rect
      >`;
      return c.id ? html`<a href="/candidates/${encodeURIComponent(c.id)}">${rect}</a>` : rect;
    });
  // A narrow grid (one occupied column) still gets room for its axis labels (9 px text, about 6 px a character),
  // so they are never clipped to a few letters.
  const xLabel = `${axes[0] ?? 'dim 1'} →`;
  const yLabel = `${axes[1] ?? 'dim 2'} →`;
  const room = (label: string): number => Math.ceil(label.length * 6) + 4;
  const drawW = Math.max(w, room(xLabel));
  const drawH = Math.max(h, room(yLabel));
  return html`<svg
    class="grid-map"
    viewBox="0 0 ${drawW + pad} ${drawH + pad}"
    width="${drawW + pad}"
    height="${drawH + pad}"
    role="img"
    aria-label="MAP-Elites occupancy${axes.length >= 2 ? `: ${axes[0]} across, ${axes[1]} down` : ''}"
  >
    <rect class="cell-bg" x="${pad}" y="0" width="${w}" height="${h}" />
    ${rects}
    <text class="axis-label" x="${pad + drawW / 2}" y="${drawH + pad - 3}" text-anchor="middle">
      ${xLabel}
    </text>
    <text class="axis-label" transform="translate(10,${drawH / 2}) rotate(-90)" text-anchor="middle">
      ${yLabel}
    </text>
  </svg>`;
}

export function islandsTable(islands: IslandCount[]): Html {
  if (islands.length === 0) return html`<p class="muted">no candidates yet</p>`;
  const max = Math.max(...islands.map((i) => i.n));
  return html`<table class="compact">
    <thead>
      <tr>
        <th>island</th>
        <th>candidates</th>
        <th>best score</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${islands.map(
        (i) =>
          html`<tr>
            <td>${i.island ?? '–'}</td>
            <td class="num">${int(i.n)}</td>
            <td class="num">${num(i.best)}</td>
            <td><meter min="0" max="${max}" value="${i.n}"></meter></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * The per-island grids of adrs's own run state (orchestrator/population: state.population.islands[i].grid maps
 * "x,y" to a program id; scores are in state.population.programs). Undefined for any other shape.
 */
export function islandGrids(state: unknown): { island: number; cells: Cell[]; axes: string[] }[] | undefined {
  const pop = isRecord(state) ? state.population : undefined;
  if (!isRecord(pop) || !Array.isArray(pop.islands) || !isRecord(pop.programs)) return undefined;
  const programs = pop.programs;
  const grids: { island: number; cells: Cell[]; axes: string[] }[] = [];
  // The features of a program name the grid's dimensions, in order.
  const first = Object.values(programs).find((p) => isRecord(p) && isRecord(p.features));
  const axes = isRecord(first) && isRecord(first.features) ? Object.keys(first.features) : [];
  for (const [island, isl] of pop.islands.entries()) {
    if (!isRecord(isl) || !isRecord(isl.grid)) return undefined;
    const cells: Cell[] = [];
    for (const [key, id] of Object.entries(isl.grid)) {
      const coords = key.split(',').map(Number);
      if (coords.some((c) => !Number.isFinite(c))) return undefined;
      cells.push({
        coords,
        score: typeof id === 'string' ? scoreOf(programs[id]) : null,
        ...(typeof id === 'string' ? { id } : {}),
      });
    }
    grids.push({ island, cells, axes });
  }
  return grids;
}

/** The per-island grids from the population rows (web/src/queries.ts populationCells). */
export function islandGridsFromRows(
  rows: { island: number; cell: string; candidate_id: string; score: number | null; features_json: string }[],
): { island: number; cells: Cell[]; axes: string[] }[] | undefined {
  if (rows.length === 0) return undefined;
  const features: unknown = JSON.parse(rows[0]!.features_json);
  const axes = isRecord(features) ? Object.keys(features) : [];
  const byIsland = new Map<number, Cell[]>();
  for (const r of rows) {
    const coords = r.cell.split(',').map(Number);
    if (coords.some((c) => !Number.isFinite(c))) return undefined;
    const cells = byIsland.get(r.island) ?? [];
    cells.push({ coords, score: r.score, id: r.candidate_id });
    byIsland.set(r.island, cells);
  }
  return [...byIsland.entries()].map(([island, cells]) => ({ island, cells, axes }));
}

export function mapElitesView(state: unknown, rows: Parameters<typeof islandGridsFromRows>[0] = []): Html {
  const grids = islandGrids(state) ?? islandGridsFromRows(rows);
  if (grids) {
    if (grids.every((g) => g.cells.length === 0)) return html`<p class="muted">no occupied cells yet</p>`;
    return html`<div class="island-grids">
      ${grids.map(
        (g) =>
          html`<figure>
            <figcaption>island ${g.island}: ${int(g.cells.length)} cells</figcaption>
            ${g.cells.some((c) => c.coords.length >= 2) ? archiveGrid(g.cells, 120, g.axes) : ''}
          </figure>`,
      )}
    </div>`;
  }
  const archive = findArchive(state);
  if (archive === undefined) return html`<p class="muted">no MAP-Elites archive in the run state</p>`;
  const cells = archiveCells(archive);
  if (!cells)
    return html`<p class="muted">
      archive present, in a shape this page does not know (see the raw state below)
    </p>`;
  if (cells.length === 0) return html`<p class="muted">archive empty</p>`;
  return html`<p>${int(cells.length)} occupied cells</p>
    ${cells.some((c) => c.coords.length >= 2) ? archiveGrid(cells) : ''}`;
}

/** The state as pretty JSON, cut to a readable size. */
export function rawState(state: unknown, max = 20_000): Html {
  if (state === undefined) return html`<p class="muted">no state stored</p>`;
  const text = JSON.stringify(state, null, 2);
  return html`<details>
    <summary>raw run state (${int(text.length)} characters)</summary>
    <pre class="json">${text.length > max ? text.slice(0, max) + '\n… (cut)' : text}</pre>
  </details>`;
}
