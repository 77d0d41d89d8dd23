// Which lines of a candidate a patch adds (from seed/candidate texts or a unified diff), and comment stripping per language.
import { parsePatch, structuredPatch } from 'diff';
import type { GuardLanguage } from './types.js';

export interface SourceLine {
  /** 1-based line number in the candidate's file. */
  line: number;
  text: string;
  added: boolean;
}

/** Every line of the candidate's file, flagged when the patch from `seed` added it. */
export function linesFromFiles(seed: string | undefined, candidate: string): SourceLine[] {
  const lines = candidate.split('\n');
  const added = new Set<number>();
  if (seed === undefined) {
    lines.forEach((_, i) => added.add(i + 1));
  } else {
    const patch = structuredPatch('a', 'b', seed, candidate, '', '', { context: 0 });
    for (const hunk of patch.hunks) {
      let n = hunk.newStart;
      for (const l of hunk.lines) {
        if (l.startsWith('+')) added.add(n++);
        else if (l.startsWith(' ')) n++;
      }
    }
  }
  return lines.map((text, i) => ({ line: i + 1, text, added: added.has(i + 1) }));
}

/** The lines a unified diff shows for each file it touches (added and context lines), by file. */
export function linesFromDiff(diffText: string): Map<string, SourceLine[]> {
  const out = new Map<string, SourceLine[]>();
  for (const file of parsePatch(diffText)) {
    const name = (file.newFileName ?? file.oldFileName ?? 'unknown').replace(/^b\//, '');
    if (name === '/dev/null') continue;
    const lines: SourceLine[] = out.get(name) ?? [];
    for (const hunk of file.hunks) {
      let n = hunk.newStart;
      for (const l of hunk.lines) {
        if (l.startsWith('+')) lines.push({ line: n++, text: l.slice(1), added: true });
        else if (l.startsWith(' ')) lines.push({ line: n++, text: l.slice(1), added: false });
      }
    }
    out.set(name, lines);
  }
  return out;
}

/** Removes a trailing comment (Python `#`, C `//` and one-line block comments), leaving string literals intact. */
export function stripComment(text: string, language: GuardLanguage | undefined): string {
  let quote: string | undefined;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
      continue;
    }
    if (language === 'python' && ch === '#') break;
    if (language === 'c' && ch === '/' && text[i + 1] === '/') break;
    if (language === 'c' && ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) break;
      i = end + 1;
      out += ' ';
      continue;
    }
    out += ch;
  }
  return out;
}
