// Applies parsed SEARCH/REPLACE blocks in order, refusing unmatched, ambiguous and out-of-EVOLVE-BLOCK edits.
import type { EditRecord } from '../proposers/types.js';
import { resolveFileName } from './file-names.js';
import { insideEvolveBlock, MARKER, scanMarkers } from './markers.js';
import { locate } from './match.js';
import type { MalformedBlock, SearchReplaceBlock } from './parse-blocks.js';

export type BlockOutcome = NonNullable<EditRecord['blocks']>[number] & { index: number };

export interface BlocksApplied {
  /** All evolved files, with the applied blocks' changes. */
  files: Record<string, string>;
  outcomes: BlockOutcome[];
}

function resolveTarget(
  block: { file: string | null },
  known: string[],
): { file: string } | { error: string } {
  if (block.file === null) {
    if (known.length === 1) return { file: known[0]! };
    return { error: `names no file; put one of ${known.join(', ')} on the line before "<<<<<<< SEARCH"` };
  }
  const file = resolveFileName(block.file, known);
  if (file === null)
    return { error: `"${block.file}" is not an evolved file (evolved: ${known.join(', ')})` };
  return { file };
}

type OneResult = { content: string; how: string } | { status: BlockOutcome['status']; detail: string };

function applyOne(content: string, block: SearchReplaceBlock): OneResult {
  if (block.search.trim() === '')
    return { status: 'no-match', detail: 'empty SEARCH section; copy the lines to change into it' };
  if (MARKER.test(block.replace))
    return { status: 'outside-evolve-block', detail: 'REPLACE adds or moves an EVOLVE-BLOCK marker line' };
  const scan = scanMarkers(content);
  if (scan.error)
    return { status: 'outside-evolve-block', detail: `the file's markers are broken: ${scan.error}` };
  const hit = locate(content, block.search, block.replace);
  if (hit.kind === 'none')
    return {
      status: 'no-match',
      detail: 'SEARCH text not found in the current file (even ignoring whitespace)',
    };
  if (hit.kind === 'ambiguous')
    return {
      status: 'ambiguous',
      detail: `SEARCH text occurs ${hit.count} times (${hit.how}); include more lines so it is unique`,
    };
  if (MARKER.test(content.slice(hit.start, hit.end)))
    return {
      status: 'outside-evolve-block',
      detail: 'SEARCH includes an EVOLVE-BLOCK marker line; markers stay',
    };
  if (!insideEvolveBlock(scan, hit.start, hit.end))
    return {
      status: 'outside-evolve-block',
      detail:
        'the matched lines are outside the EVOLVE-BLOCK-START/END region; only code inside it may change',
    };
  return { content: content.slice(0, hit.start) + hit.replacement + content.slice(hit.end), how: hit.how };
}

/** Applies blocks in answer order; each block sees the previous blocks' changes. Malformed blocks are failures. */
export function applyBlocks(
  files: Record<string, string>,
  blocks: SearchReplaceBlock[],
  malformed: MalformedBlock[] = [],
): BlocksApplied {
  const known = Object.keys(files);
  const out = { ...files };
  const outcomes: BlockOutcome[] = malformed.map((m) => ({
    index: m.index,
    file: m.file ?? '?',
    status: 'no-match',
    detail: m.detail,
  }));
  for (const block of blocks) {
    const target = resolveTarget(block, known);
    if ('error' in target) {
      outcomes.push({
        index: block.index,
        file: block.file ?? '?',
        status: 'no-match',
        detail: target.error,
      });
      continue;
    }
    const result = applyOne(out[target.file]!, block);
    if ('content' in result) {
      const how = result.how;
      out[target.file] = result.content;
      outcomes.push({
        index: block.index,
        file: target.file,
        status: how === 'exact' ? 'applied' : 'applied-fuzzy',
        ...(how === 'exact' ? {} : { detail: `matched ${how}` }),
      });
    } else {
      outcomes.push({ index: block.index, file: target.file, ...result });
    }
  }
  outcomes.sort((a, b) => a.index - b.index);
  return { files: out, outcomes };
}
