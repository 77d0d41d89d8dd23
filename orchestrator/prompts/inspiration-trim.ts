// Inspirations as the prompt shows them: only their evolvable regions (the rest is the same fixed code in every
// program), only files that differ from the current program, and never two that show the same thing.
import { scanMarkers } from '../edits/markers.js';
import type { ProgramView } from '../proposers/types.js';

/** Shown between two evolvable regions of one file, where fixed code was left out. */
export const CUT_LINE = '[... fixed code outside the evolvable regions left out ...]';

/** The evolvable regions of a file with their marker lines; the whole file when it has no (or broken) markers. */
export function evolvableText(text: string): string {
  const scan = scanMarkers(text);
  if (!scan.hasMarkers || scan.error) return text;
  const lineStart = (at: number): number => text.lastIndexOf('\n', Math.max(0, at - 2)) + 1;
  const lineEnd = (at: number): number => {
    const nl = text.indexOf('\n', at);
    return nl < 0 ? text.length : nl;
  };
  // Each region from the start of its START marker line to the end of its END marker line.
  const parts = scan.regions.map((r) => text.slice(lineStart(r.innerStart), lineEnd(r.innerEnd)));
  return parts.join(`\n${CUT_LINE}\n`) + '\n';
}

/**
 * The inspirations trimmed and de-duplicated: each keeps only files that differ from the parent, cut to their
 * evolvable regions; one whose trimmed files equal the parent's or an earlier inspiration's is dropped.
 */
export function trimInspirations(
  programs: readonly ProgramView[],
  parentFiles: Readonly<Record<string, string>>,
): ProgramView[] {
  const out: ProgramView[] = [];
  const seen = new Set<string>();
  for (const p of programs) {
    const files: Record<string, string> = {};
    for (const [name, text] of Object.entries(p.files)) {
      if (parentFiles[name] === text) continue;
      const trimmed = evolvableText(text);
      const parentTrimmed = parentFiles[name] === undefined ? undefined : evolvableText(parentFiles[name]);
      if (trimmed === parentTrimmed) continue;
      files[name] = trimmed;
    }
    const key = JSON.stringify(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
    if (Object.keys(files).length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push({ ...p, files });
  }
  return out;
}
