// Parses SEARCH/REPLACE blocks from a model's answer: several per answer, each naming its file on the line before.
import { fileNameBefore } from './file-names.js';

const SEARCH = /^\s*<{5,9}\s*SEARCH\b.*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE = /^\s*>{5,9}\s*REPLACE\b.*$/;

export interface SearchReplaceBlock {
  /** 1-based position in the answer, as the model sees it. */
  index: number;
  /** The file the model named (as written), or null when it named none and no earlier block did. */
  file: string | null;
  search: string;
  replace: string;
}

export interface MalformedBlock {
  index: number;
  file: string | null;
  detail: string;
}

export interface ParsedBlocks {
  blocks: SearchReplaceBlock[];
  malformed: MalformedBlock[];
}

/** Whether the answer contains at least one SEARCH marker line. */
export function hasSearchMarker(answer: string): boolean {
  return answer.split('\n').some((l) => SEARCH.test(l));
}

/**
 * Reads every block. A block without a file name takes the previous block's file.
 * @example parseBlocks('a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE', ['a.py'])
 */
export function parseBlocks(answer: string, knownFiles: readonly string[]): ParsedBlocks {
  const lines = answer.replace(/\r\n/g, '\n').split('\n');
  const blocks: SearchReplaceBlock[] = [];
  const malformed: MalformedBlock[] = [];
  let lastFile: string | null = null;
  let index = 0;
  let i = 0;
  while (i < lines.length) {
    if (!SEARCH.test(lines[i]!)) {
      i++;
      continue;
    }
    index++;
    const file: string | null = fileNameBefore(lines, i, knownFiles) ?? lastFile;
    lastFile = file;
    const search: string[] = [];
    const replace: string[] = [];
    let part: 'search' | 'replace' = 'search';
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (SEARCH.test(line)) break;
      if (part === 'search' && DIVIDER.test(line)) {
        part = 'replace';
        continue;
      }
      if (REPLACE.test(line)) {
        closed = part === 'replace';
        if (closed) j++;
        break;
      }
      (part === 'search' ? search : replace).push(line);
    }
    if (!closed) {
      malformed.push({
        index,
        file,
        detail:
          part === 'search'
            ? 'malformed: no "=======" line after "<<<<<<< SEARCH"'
            : 'malformed: no ">>>>>>> REPLACE" line ends the block',
      });
    } else {
      blocks.push({ index, file, search: search.join('\n'), replace: replace.join('\n') });
    }
    i = j;
  }
  return { blocks, malformed };
}
