// Live progress from an evaluator: its stderr lines marked "adrs-progress: ", cleaned, one callback per line.

export const PROGRESS_PREFIX = 'adrs-progress: ';
/** Set to "1" in the evaluator's environment when someone listens (evaluators print progress only then). */
export const PROGRESS_ENV = 'ADRS_PROGRESS';
const MAX_LINE = 300;
const MAX_PENDING = 64 * 1024;

/**
 * A stderr chunk handler that calls `onLine` with the text of each complete progress line. The evaluator's stderr
 * may carry candidate output too, so a line is only ever shown: control characters are dropped and it is cut to
 * MAX_LINE characters; a runaway line without a newline is dropped, not buffered.
 */
export function progressLines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (pending.length > MAX_PENDING) pending = '';
    for (const line of lines) {
      if (!line.startsWith(PROGRESS_PREFIX)) continue;
      // eslint-disable-next-line no-control-regex
      const text = line.slice(PROGRESS_PREFIX.length).replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
      if (text.trim()) onLine(text.length > MAX_LINE ? text.slice(0, MAX_LINE - 3) + '...' : text);
    }
  };
}
