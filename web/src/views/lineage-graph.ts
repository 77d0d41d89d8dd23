// The lineage as an inline SVG graph: x is the iteration, y the generation below the shown root; the path to the
// verified best (else the best screen score) is drawn over the rest. Every node links to its candidate.
import { html, type Html } from '../html.js';
import type { LineageNode } from '../queries.js';
import { candidateState, num, shortId } from './format.js';
import { axes, H, M, W } from './score-chart.js';
import { fx, linear } from './svg.js';

/** Depth of each node below the first shown ancestor (a node whose parent is not shown has depth 0). */
function depths(nodes: readonly LineageNode[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  const depth = (n: LineageNode): number => {
    const known = out.get(n.id);
    if (known !== undefined) return known;
    // Iterative walk up (paths can be thousands long): collect the chain, then fill it in from the top.
    const chain: LineageNode[] = [];
    let cur: LineageNode | undefined = n;
    while (cur && !out.has(cur.id) && !chain.includes(cur)) {
      chain.push(cur);
      cur = cur.parent_id === null ? undefined : byId.get(cur.parent_id);
    }
    let d = cur && out.has(cur.id) ? out.get(cur.id)! + 1 : 0;
    for (let i = chain.length - 1; i >= 0; i--) out.set(chain[i]!.id, d++);
    return out.get(n.id)!;
  };
  for (const n of nodes) depth(n);
  return out;
}

/**
 * @param path the ids on the path to the best, root first (highlighted), empty when there is no best yet.
 * @param best the id at the end of that path.
 */
export function lineageGraph(
  nodes: readonly LineageNode[],
  path: readonly string[],
  best: string | null,
): Html {
  const shown = nodes.filter((n): n is LineageNode & { iteration: number } => n.iteration !== null);
  if (shown.length === 0)
    return html`<div class="chart-empty" id="lineage-graph" data-nodes="0">no candidates yet</div>`;
  const d = depths(shown);
  const byId = new Map(shown.map((n) => [n.id, n]));
  const onPath = new Set(path);
  const maxDepth = Math.max(...d.values());
  const xs = shown.map((n) => n.iteration);
  const x = linear(Math.min(...xs), Math.max(...xs), M.l, W - M.r);
  // Depth grows downwards, as a family tree reads.
  const y = linear(0, Math.max(1, maxDepth), M.t, H - M.b);
  const pos = (n: LineageNode & { iteration: number }): [string, string] => [
    fx(x(n.iteration)),
    fx(y(d.get(n.id)!)),
  ];
  const edges: Html[] = [];
  const pathEdges: Html[] = [];
  for (const n of shown) {
    const parent = n.parent_id === null ? undefined : byId.get(n.parent_id);
    const [cx, cy] = pos(n);
    if (!parent) {
      // Ancestors not shown: a short dashed stub says the line goes on.
      if (n.parent_id !== null)
        edges.push(
          html`<line class="edge cut" x1="${cx}" y1="${cy}" x2="${cx}" y2="${fx(Number(cy) - 8)}" />`,
        );
      continue;
    }
    const [px, py] = pos(parent);
    const line = html`<line
      class="${onPath.has(n.id) && onPath.has(parent.id) ? 'edge path' : 'edge'}"
      x1="${px}"
      y1="${py}"
      x2="${cx}"
      y2="${cy}"
    />`;
    (onPath.has(n.id) && onPath.has(parent.id) ? pathEdges : edges).push(line);
  }
  const dots = shown.map((n) => {
    const state = candidateState(n);
    const [cx, cy] = pos(n);
    const cls = [
      'gnode',
      `st-${state}`,
      n.verified ? 'verified' : '',
      onPath.has(n.id) ? 'on-path' : '',
      n.id === best ? 'best' : '',
    ]
      .filter(Boolean)
      .join(' ');
    return html`<a href="/candidates/${encodeURIComponent(n.id)}" class="gnode-link" data-id="${n.id}"
      ><circle class="${cls}" cx="${cx}" cy="${cy}" r="${n.id === best ? 6 : onPath.has(n.id) ? 4.5 : 3.5}"
        ><title>
          ${shortId(n.id)} · iteration ${n.iteration} · generation
          ${n.generation}${n.island === null ? '' : ` · island ${n.island}`} ·
          ${state}${n.score === null ? '' : ` · screen ${num(n.score)}`}${n.id === best ? ' · the best' : onPath.has(n.id) ? ' · on the path to the best' : ''}
        </title></circle
      ></a
    >`;
  });
  return html`<div class="chart-wrap">
    <svg
      id="lineage-graph"
      class="chart lineage-graph"
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="lineage: candidates by iteration and generation, the path to the best highlighted"
      data-nodes="${shown.length}"
      data-path="${path.length}"
    >
      ${axes(x, y, 'iteration', 'generations below the top')}
      <g>${edges}</g>
      <g>${pathEdges}</g>
      <g>${dots}</g>
      <g class="legend" transform="translate(${M.l + 8},12)">
        <rect x="0" y="0" width="12" height="3" class="lg-path" />
        <text x="16" y="6">path to the best</text>
        <circle cx="130" cy="2" r="4" class="gnode verified" />
        <text x="138" y="6">verified</text>
        <circle cx="205" cy="2" r="4" class="gnode st-failed" />
        <text x="213" y="6">failed / incorrect</text>
      </g>
    </svg>
  </div>`;
}
