// Unified diffs between two sets of files, in git's format (diff --git headers), so `git apply` takes them.
import { structuredPatch } from 'diff';

/** A diff from `before` to `after` (relative path -> content); files only in `after` are new, only in `before` deleted. */
export function gitDiff(before: Record<string, string>, after: Record<string, string>): string {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  let out = '';
  for (const name of names) {
    const a = before[name];
    const b = after[name];
    if (a === b) continue;
    const patch = structuredPatch(`a/${name}`, `b/${name}`, a ?? '', b ?? '', '', '', { context: 3 });
    if (patch.hunks.length === 0) continue;
    out += `diff --git a/${name} b/${name}\n`;
    if (a === undefined) out += 'new file mode 100644\n';
    if (b === undefined) out += 'deleted file mode 100644\n';
    out += `--- ${a === undefined ? '/dev/null' : `a/${name}`}\n+++ ${b === undefined ? '/dev/null' : `b/${name}`}\n`;
    for (const h of patch.hunks) {
      const oldRange = a === undefined ? '0,0' : `${h.oldStart},${h.oldLines}`;
      const newRange = b === undefined ? '0,0' : `${h.newStart},${h.newLines}`;
      out += `@@ -${oldRange} +${newRange} @@\n`;
      for (const line of h.lines) out += line + '\n';
    }
  }
  return out;
}
