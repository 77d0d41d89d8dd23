// Unified diffs: computed between two file maps with the `diff` package, and rendered as highlighted lines.
import { createTwoFilesPatch, diffWordsWithSpace } from 'diff';
import { html, type Html } from '../html.js';

/** A unified diff from `before` to `after` over the union of their files ("" when they are equal). */
export function diffFiles(before: Record<string, string>, after: Record<string, string>): string {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const parts: string[] = [];
  for (const name of names) {
    const a = before[name];
    const b = after[name];
    if (a === b) continue;
    parts.push(
      createTwoFilesPatch(
        a === undefined ? '/dev/null' : `a/${name}`,
        b === undefined ? '/dev/null' : `b/${name}`,
        a ?? '',
        b ?? '',
        undefined,
        undefined,
        { context: 3 },
      ).replace(/^=+\n/, ''),
    );
  }
  return parts.join('');
}

/** Parses a file map stored as JSON; anything that is not { name: text } becomes {}. */
export function fileMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

type Kind = 'add' | 'del' | 'hunk' | 'file' | 'ctx' | 'meta';

function kindOf(line: string): Kind {
  if (
    line.startsWith('+++') ||
    line.startsWith('---') ||
    line.startsWith('diff ') ||
    line.startsWith('Index:')
  )
    return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('\\')) return 'meta';
  return 'ctx';
}

/** Marks the words that changed between a removed line and the added line that replaced it, if they are alike. */
function wordPair(del: string, add: string): [Html, Html] | undefined {
  const parts = diffWordsWithSpace(del.slice(1), add.slice(1));
  const same = parts.filter((p) => !p.added && !p.removed).reduce((n, p) => n + p.value.trim().length, 0);
  if (same < 0.5 * Math.max(del.trim().length, add.trim().length)) return undefined;
  const side = (keep: 'removed' | 'added'): Html =>
    html`${parts
      .filter((p) => !(keep === 'removed' ? p.added : p.removed))
      .map((p) => (p[keep] ? html`<mark>${p.value}</mark>` : p.value))}`;
  return [html`-${side('removed')}`, html`+${side('added')}`];
}

/** Renders a unified diff as a table of classified lines; paired -/+ runs get word-level marks. */
export function renderDiff(patch: string, emptyText = 'no changes'): Html {
  if (!patch.trim()) return html`<p class="muted">${emptyText}</p>`;
  // jsdiff's createTwoFilesPatch starts with "Index:" and a line of "=" signs: noise before the file header
  // (a content line always starts with a space, + or -, so it never matches).
  const lines = patch
    .replace(/\n$/, '')
    .split('\n')
    .filter((l) => !/^={10,}$/.test(l) && !/^Index: /.test(l));
  const cells: Html[] = lines.map((l) => html`${l}`);
  for (let i = 0; i < lines.length;) {
    if (kindOf(lines[i]!) !== 'del') {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && kindOf(lines[j]!) === 'del') j++;
    let k = j;
    while (k < lines.length && kindOf(lines[k]!) === 'add') k++;
    const pairs = Math.min(j - i, k - j);
    if (pairs <= 250)
      for (let p = 0; p < pairs; p++) {
        const pair = wordPair(lines[i + p]!, lines[j + p]!);
        if (!pair) continue;
        cells[i + p] = pair[0];
        cells[j + p] = pair[1];
      }
    i = k;
  }
  return html`<pre class="diff">
${lines.map((l, i) => html`<span class="d-${kindOf(l)}">${cells[i]} </span>`)}</pre>`;
}
