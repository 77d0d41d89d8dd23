// Full rewrites: fenced code blocks holding whole files; the text outside the EVOLVE-BLOCKs must stay the same.
import { fileNameBefore, fileNameFromLine, resolveFileName } from './file-names.js';
import { scanMarkers } from './markers.js';

export interface FencedBlock {
  /** The file named in the fence's info string or on the line before, as written. */
  name: string | null;
  code: string;
}

/** Every fenced code block of the answer (``` or ~~~, closed by a fence at least as long). */
export function parseFences(answer: string, knownFiles: readonly string[]): FencedBlock[] {
  const lines = answer.replace(/\r\n/g, '\n').split('\n');
  const out: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) j++;
    const name = fileNameFromLine(lines[i]!, knownFiles) ?? fileNameBefore(lines, i, knownFiles);
    out.push({ name, code: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return out;
}

/** Assigns fenced blocks to evolved files: by name, or the longest unnamed block when one file evolves. */
export function assignRewrites(
  fences: FencedBlock[],
  known: readonly string[],
): { files: Record<string, string>; errors: string[] } {
  const files: Record<string, string> = {};
  const errors: string[] = [];
  for (const f of fences.filter((x) => x.name !== null)) {
    const file = resolveFileName(f.name!, known);
    if (file) files[file] = f.code;
  }
  if (Object.keys(files).length === 0) {
    const unnamed = fences.filter((x) => x.name === null || resolveFileName(x.name, known) === null);
    if (known.length === 1 && unnamed.length > 0) {
      files[known[0]!] = unnamed.reduce((a, b) => (b.code.length > a.code.length ? b : a)).code;
    } else if (unnamed.length > 0) {
      errors.push(`fenced code names no file; put one of ${known.join(', ')} on the line before the fence`);
    }
  }
  return { files, errors };
}

/** Lines of a text outside its evolve regions, per gap, without blank lines or trailing spaces (for comparison). */
function outsideSegments(text: string): string[][] {
  const scan = scanMarkers(text);
  const cuts = [0, ...scan.regions.flatMap((r) => [r.innerStart, r.innerEnd]), text.length];
  const segs: string[][] = [];
  for (let k = 0; k < cuts.length; k += 2)
    segs.push(
      text
        .slice(cuts[k], cuts[k + 1])
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== ''),
    );
  return segs;
}

/**
 * Applies a whole-file rewrite. With markers, the result keeps the original outside text byte for byte
 * and takes the new text inside each region; a rewrite that changes outside text is refused.
 */
export function applyRewrite(original: string, code: string): { content: string } | { detail: string } {
  const before = scanMarkers(original);
  if (before.error) return { detail: `the current file's markers are broken: ${before.error}` };
  let text = code;
  if (original.endsWith('\n') && !text.endsWith('\n')) text += '\n';
  if (!before.hasMarkers) return { content: text };
  const after = scanMarkers(text);
  if (after.error) return { detail: `the rewrite's EVOLVE-BLOCK markers are broken: ${after.error}` };
  if (after.regions.length !== before.regions.length)
    return {
      detail: `the rewrite has ${after.regions.length} EVOLVE-BLOCK regions, the file has ${before.regions.length}; return the whole file with its markers`,
    };
  const a = outsideSegments(original);
  const b = outsideSegments(text);
  for (let s = 0; s < a.length; s++) {
    const want = a[s]!;
    const got = b[s]!;
    const diff = want.findIndex((l, k) => got[k] !== l);
    if (diff !== -1 || got.length !== want.length) {
      const line = diff !== -1 ? want[diff]! : (got[want.length] ?? '');
      return {
        detail: `text outside the EVOLVE-BLOCK changed near "${line.trim().slice(0, 80)}"; keep every line outside the markers as it is`,
      };
    }
  }
  let content = '';
  let at = 0;
  before.regions.forEach((r, k) => {
    const nr = after.regions[k]!;
    content += original.slice(at, r.innerStart) + text.slice(nr.innerStart, nr.innerEnd);
    at = r.innerEnd;
  });
  return { content: content + original.slice(at) };
}
