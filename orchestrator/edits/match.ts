// Finds where a SEARCH text sits in a file: exactly first, then ignoring trailing spaces, blank lines and indentation.

export type MatchResult =
  | { kind: 'exact' | 'fuzzy'; start: number; end: number; replacement: string; how: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; count: number; how: string };

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

const trimBlankEdges = (lines: string[]): string[] => {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
};

const indentOf = (line: string): string => /^\s*/.exec(line)![0];

/** Re-indents replacement lines by the difference between the model's indentation and the file's. */
function reindent(lines: string[], modelIndent: string, fileIndent: string): string[] {
  if (modelIndent === fileIndent) return lines;
  if (fileIndent.startsWith(modelIndent)) {
    const extra = fileIndent.slice(modelIndent.length);
    return lines.map((l) => (l.trim() === '' ? l : extra + l));
  }
  if (modelIndent.startsWith(fileIndent)) {
    const drop = modelIndent.slice(fileIndent.length);
    return lines.map((l) => (l.startsWith(drop) ? l.slice(drop.length) : l));
  }
  return lines;
}

const LEVELS: { how: string; norm: (s: string) => string; reindent: boolean }[] = [
  { how: 'ignoring trailing spaces and blank lines', norm: (s) => s.trimEnd(), reindent: false },
  { how: 'ignoring indentation and blank lines', norm: (s) => s.trim(), reindent: true },
];

/** Locates `search` in `content` and returns the span to replace and the replacement text. */
export function locate(content: string, search: string, replace: string): MatchResult {
  if (search.trim() === '') return { kind: 'none' };
  // Whole lines only: a SEARCH text is lines, so a hit that starts or ends mid-line is not the model's meaning.
  const exact = occurrences(content, search).filter(
    (at) =>
      (at === 0 || content[at - 1] === '\n') &&
      (at + search.length === content.length ||
        content[at + search.length] === '\n' ||
        search.endsWith('\n')),
  );
  if (exact.length === 1)
    return {
      kind: 'exact',
      start: exact[0]!,
      end: exact[0]! + search.length,
      replacement: replace,
      how: 'exact',
    };
  if (exact.length > 1) return { kind: 'ambiguous', count: exact.length, how: 'exact' };

  const fileLines = content.split('\n');
  const starts: number[] = [];
  for (let i = 0, off = 0; i < fileLines.length; i++) {
    starts.push(off);
    off += fileLines[i]!.length + 1;
  }
  const nonBlank = fileLines.flatMap((l, i) => (l.trim() === '' ? [] : [i]));
  const wanted = search
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (wanted.length === 0) return { kind: 'none' };
  for (const level of LEVELS) {
    const target = wanted.map(level.norm);
    const hits: number[] = [];
    for (let k = 0; k + target.length <= nonBlank.length; k++) {
      if (target.every((t, m) => level.norm(fileLines[nonBlank[k + m]!]!) === t)) hits.push(k);
    }
    if (hits.length > 1) return { kind: 'ambiguous', count: hits.length, how: level.how };
    if (hits.length === 1) {
      const first = nonBlank[hits[0]!]!;
      const last = nonBlank[hits[0]! + target.length - 1]!;
      let lines = trimBlankEdges(replace.replace(/\r\n/g, '\n').split('\n'));
      if (level.reindent) lines = reindent(lines, indentOf(wanted[0]!), indentOf(fileLines[first]!));
      return {
        kind: 'fuzzy',
        start: starts[first]!,
        end: starts[last]! + fileLines[last]!.length,
        replacement: lines.join('\n'),
        how: level.how,
      };
    }
  }
  return { kind: 'none' };
}
