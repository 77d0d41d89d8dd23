// Turns a model's answer into new evolved files: SEARCH/REPLACE blocks or full rewrites, with an outcome per block.
import type { EditRecord } from '../proposers/types.js';
import { applyBlocks, type BlockOutcome } from './apply-blocks.js';
import { hasSearchMarker, parseBlocks } from './parse-blocks.js';
import { applyRewrite, assignRewrites, parseFences } from './rewrite.js';

export interface AnswerApplied {
  kind: 'diff' | 'rewrite' | 'none';
  /** All evolved files after the edit (unchanged ones included). */
  files: Record<string, string>;
  /** Files whose content differs from the input. */
  changed: string[];
  outcomes: BlockOutcome[];
  outcome: EditRecord['outcome'];
  /** Why nothing could be used, when no block or fence was found. */
  problem?: string;
  /** The model's own one-line summary ("Summary: ..."), if it gave one. */
  modelSummary?: string;
}

/** The model's "Summary: ..." line. */
export function modelSummary(answer: string): string | undefined {
  // "Summary: x", "**Summary:** x", "## Summary: x"
  const m = /^[\s*#>-]*summary[*\s]*:[*\s]*(.+)$/im.exec(answer);
  return m ? m[1]!.trim().slice(0, 200) : undefined;
}

function finish(
  kind: AnswerApplied['kind'],
  input: Record<string, string>,
  files: Record<string, string>,
  outcomes: BlockOutcome[],
  answer: string,
  problem?: string,
): AnswerApplied {
  const changed = Object.keys(files).filter((f) => files[f] !== input[f]);
  const ok = outcomes.filter((o) => o.status === 'applied' || o.status === 'applied-fuzzy').length;
  const outcome =
    ok === 0 || changed.length === 0 ? 'failed' : ok === outcomes.length ? 'applied' : 'partly-applied';
  const summary = modelSummary(answer);
  if (!problem && ok > 0 && changed.length === 0) problem = 'the edit leaves the code unchanged';
  return {
    kind,
    files,
    changed,
    outcomes,
    outcome,
    ...(problem ? { problem } : {}),
    ...(summary ? { modelSummary: summary } : {}),
  };
}

/**
 * Reads the answer as SEARCH/REPLACE blocks when it has a SEARCH marker, otherwise as full rewrites in
 * fenced code blocks, whatever mode was asked for (weak models mix them up).
 */
export function applyAnswer(answer: string, files: Record<string, string>): AnswerApplied {
  const known = Object.keys(files);
  if (hasSearchMarker(answer)) {
    const { blocks, malformed } = parseBlocks(answer, known);
    const applied = applyBlocks(files, blocks, malformed);
    return finish('diff', files, applied.files, applied.outcomes, answer);
  }
  const fences = parseFences(answer, known);
  if (fences.length === 0)
    return finish(
      'none',
      files,
      { ...files },
      [],
      answer,
      'the answer has no SEARCH/REPLACE block and no fenced code',
    );
  const { files: rewrites, errors } = assignRewrites(fences, known);
  if (errors.length > 0 || Object.keys(rewrites).length === 0)
    return finish(
      'rewrite',
      files,
      { ...files },
      [],
      answer,
      errors[0] ?? 'no fenced code block names an evolved file',
    );
  const out = { ...files };
  const outcomes: BlockOutcome[] = [];
  Object.entries(rewrites).forEach(([file, code], k) => {
    const r = applyRewrite(files[file]!, code);
    if ('content' in r) {
      out[file] = r.content;
      outcomes.push({ index: k + 1, file, status: 'applied' });
    } else outcomes.push({ index: k + 1, file, status: 'outside-evolve-block', detail: r.detail });
  });
  return finish('rewrite', files, out, outcomes, answer);
}

/** A one-line account of the outcomes, for the edit summary and later prompts. */
export function describeOutcome(applied: AnswerApplied): string {
  if (applied.problem) return applied.problem;
  const ok = applied.outcomes.filter((o) => o.status.startsWith('applied')).length;
  const what = applied.kind === 'rewrite' ? 'rewrite' : 'block';
  const head = `${ok}/${applied.outcomes.length} ${what}${applied.outcomes.length === 1 ? '' : 's'} applied`;
  const failed = applied.outcomes.find((o) => !o.status.startsWith('applied'));
  const tail = failed ? `; ${what} ${failed.index} (${failed.file}): ${failed.status}` : '';
  const noop = ok > 0 && applied.changed.length === 0 ? '; no change to the code' : '';
  return head + tail + noop;
}

/** The EditRecord for an applied answer. */
export function toEditRecord(applied: AnswerApplied, retried: boolean, note?: string): EditRecord {
  const account = describeOutcome(applied) + (note ? ` (${note})` : '');
  return {
    kind: applied.kind,
    outcome: applied.outcome,
    summary: applied.modelSummary ? `${applied.modelSummary} [${account}]` : account,
    blocks: applied.outcomes.map(({ file, status, detail }) => ({
      file,
      status,
      ...(detail ? { detail } : {}),
    })),
    retried,
  };
}

/**
 * Merges the answer to the one follow-up with the first: the first answer's applied blocks stay (the second was
 * applied on top of them), the first's failed blocks are replaced by the second answer's outcomes.
 */
export function combineRetry(
  parentFiles: Record<string, string>,
  first: AnswerApplied,
  second: AnswerApplied,
): AnswerApplied {
  const kept = first.outcomes.filter((o) => o.status.startsWith('applied'));
  const outcomes =
    second.outcomes.length === 0
      ? first.outcomes
      : [...kept, ...second.outcomes.map((o) => ({ ...o, index: o.index + kept.length }))];
  const changed = Object.keys(second.files).filter((f) => second.files[f] !== parentFiles[f]);
  const ok = outcomes.filter((o) => o.status.startsWith('applied')).length;
  const outcome = changed.length === 0 ? 'failed' : ok === outcomes.length ? 'applied' : 'partly-applied';
  const summary = second.modelSummary ?? first.modelSummary;
  return {
    kind: second.kind === 'none' ? first.kind : second.kind,
    files: second.files,
    changed,
    outcomes,
    outcome,
    ...(changed.length === 0
      ? { problem: second.problem ?? first.problem ?? 'the edit leaves the code unchanged' }
      : {}),
    ...(summary ? { modelSummary: summary } : {}),
  };
}
