// Recognises the file a model names before an edit: a bare path line, "File: x", "### `x`", or a fence info string.

const FENCE_OPEN = /^\s*(`{3,}|~{3,})\s*(.*)$/;

/** Whether `line` opens or closes a code fence. */
export function isFenceLine(line: string): boolean {
  return FENCE_OPEN.test(line);
}

const looksLikePath = (s: string): boolean => /^[\w./@+-]+$/.test(s) && /[./]/.test(s) && !/^\.+$/.test(s);

/** Resolves a name the model wrote to one of the known files (exact, then by path suffix either way). */
export function resolveFileName(name: string, known: readonly string[]): string | null {
  const clean = name.replace(/^\.\//, '');
  if (known.includes(clean)) return clean;
  const bySuffix = known.filter((k) => k.endsWith('/' + clean) || clean.endsWith('/' + k));
  return bySuffix.length === 1 ? bySuffix[0]! : null;
}

/** The file named by one line, if any: a path-like token alone, or one known file mentioned in the line. */
export function fileNameFromLine(line: string, known: readonly string[]): string | null {
  const fence = FENCE_OPEN.exec(line);
  if (fence) {
    for (const token of (fence[2] ?? '').split(/[\s:]+/)) {
      const bare = token.replace(/^(file|path|title)=/, '').replace(/["'`]/g, '');
      if (looksLikePath(bare)) return bare;
    }
    return null;
  }
  const stripped = line
    .trim()
    .replace(/^(#+|\*+|-|>)\s*/, '')
    .replace(/^(file|path|filename)\s*:\s*/i, '')
    .replace(/[*`'"]/g, '')
    .replace(/:$/, '')
    .trim();
  if (looksLikePath(stripped)) return stripped;
  const mentioned = known.filter((k) =>
    new RegExp(`(^|[\\s\`'"(])${escapeRegExp(k)}($|[\\s\`'":),])`).test(line),
  );
  return mentioned.length === 1 ? mentioned[0]! : null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Looks back from line `index` (exclusive) over fence lines and one name line for a file name. */
export function fileNameBefore(
  lines: readonly string[],
  index: number,
  known: readonly string[],
): string | null {
  for (let i = index - 1, seen = 0; i >= 0 && seen < 3; i--) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    seen++;
    if (isFenceLine(line)) {
      const named = fileNameFromLine(line, known);
      if (named) return named;
      continue;
    }
    return fileNameFromLine(line, known);
  }
  return null;
}
