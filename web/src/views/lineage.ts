// The lineage tree (candidates' parent_id) as nested lists; single-child chains stay flat so deep runs stay readable.
import { html, type Html } from '../html.js';
import type { LineageNode } from '../queries.js';
import { candidateState, num, shortId, statusBadge } from './format.js';

function nodeLabel(n: LineageNode, bestId: string | null): Html {
  const state = candidateState(n);
  const bad = state === 'failed' || state === 'refused' || state === 'incorrect';
  const cls = ['node', n.verified ? 'verified' : '', n.id === bestId ? 'best' : '', bad ? 'failed' : '']
    .filter(Boolean)
    .join(' ');
  return html`<a class="${cls}" href="/candidates/${encodeURIComponent(n.id)}" title="${state}"
      >${shortId(n.id)}</a
    >
    <span class="meta"
      >it ${n.iteration ?? '–'}${n.island === null ? '' : html` · isl ${n.island}`} ·
      ${n.score === null ? '' : num(n.score)} ${statusBadge(state)}</span
    >`;
}

export function lineageTree(nodes: LineageNode[], bestId: string | null): Html {
  if (nodes.length === 0) return html`<p class="muted">no candidates yet</p>`;
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string, LineageNode[]>();
  const roots: LineageNode[] = [];
  for (const n of nodes) {
    if (n.parent_id && ids.has(n.parent_id)) {
      const list = kids.get(n.parent_id) ?? [];
      list.push(n);
      kids.set(n.parent_id, list);
    } else roots.push(n);
  }
  /** A list of items: a node, then (if it has one child) that child inline, else a nested list per child. */
  const chain = (start: LineageNode): Html[] => {
    const items: Html[] = [];
    let cur: LineageNode | undefined = start;
    while (cur) {
      const children: LineageNode[] = kids.get(cur.id) ?? [];
      if (children.length > 1) {
        items.push(
          html`<li>
            ${nodeLabel(cur, bestId)}
            <ul>
              ${children.map(
                (c) =>
                  html`<li class="branch">
                    <ul>
                      ${chain(c)}
                    </ul>
                  </li>`,
              )}
            </ul>
          </li>`,
        );
        cur = undefined;
      } else {
        items.push(html`<li>${nodeLabel(cur, bestId)}</li>`);
        cur = children[0];
      }
    }
    return items;
  };
  return html`<ul class="tree" id="lineage" data-nodes="${nodes.length}">
    ${roots.map(
      (r) =>
        html`<li class="branch">
          ${r.parent_id ? html`<span class="cut" title="ancestors not shown">⋯</span>` : ''}
          <ul>
            ${chain(r)}
          </ul>
        </li>`,
    )}
  </ul>`;
}
