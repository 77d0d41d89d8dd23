// EVOLVE-BLOCK regions of a file (marker lines in any comment syntax) and whether a span of text lies inside one.

export const MARKER = /EVOLVE-BLOCK-(START|END)/;
const START = /EVOLVE-BLOCK-START/;
const END = /EVOLVE-BLOCK-END/;

export interface EvolveRegion {
  /** Offset of the first character after the START marker line. */
  innerStart: number;
  /** Offset of the first character of the END marker line. */
  innerEnd: number;
}

export interface MarkerScan {
  /** False when the file has no marker: then all of it may evolve. */
  hasMarkers: boolean;
  regions: EvolveRegion[];
  /** Set when the markers are unbalanced or nested. */
  error?: string;
}

/** Finds the regions between START and END marker lines. */
export function scanMarkers(text: string): MarkerScan {
  const regions: EvolveRegion[] = [];
  let open: number | null = null;
  let offset = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const next = offset + line.length + 1;
    if (START.test(line)) {
      if (open !== null)
        return {
          hasMarkers: true,
          regions,
          error: `line ${lineNo}: EVOLVE-BLOCK-START inside another block`,
        };
      open = Math.min(next, text.length);
    } else if (END.test(line)) {
      if (open === null)
        return { hasMarkers: true, regions, error: `line ${lineNo}: EVOLVE-BLOCK-END without a START` };
      regions.push({ innerStart: open, innerEnd: offset });
      open = null;
    }
    offset = next;
  }
  if (open !== null) return { hasMarkers: true, regions, error: 'EVOLVE-BLOCK-START without an END' };
  return { hasMarkers: regions.length > 0, regions };
}

/** Whether [start, end) lies inside one evolve region (always true for a file without markers). */
export function insideEvolveBlock(scan: MarkerScan, start: number, end: number): boolean {
  if (!scan.hasMarkers) return true;
  return scan.regions.some((r) => r.innerStart <= start && end <= r.innerEnd);
}

/** Number of lines that may evolve: the lines inside the regions, or the whole file without markers. */
export function evolvableLineCount(text: string): number {
  const scan = scanMarkers(text);
  if (!scan.hasMarkers || scan.error) return text.split('\n').length;
  return scan.regions.reduce((n, r) => n + text.slice(r.innerStart, r.innerEnd).split('\n').length - 1, 0);
}
