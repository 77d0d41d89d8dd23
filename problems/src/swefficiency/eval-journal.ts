// The on-disk state of `adrs swefficiency eval`: the report CSV rewritten as each row finishes, the feedback side file, and --resume.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../../../core/errors.js';
import type { InstanceDetail, RunDetails } from './eval-predictions.js';
import { readReportCsv, reportCsv } from './report.js';

/** The side file next to a report CSV: one JSON line per instance with the full feedback and details. */
export function feedbackFile(csv: string): string {
  return csv.replace(/\.csv$/i, '') + '.feedback.jsonl';
}

interface FeedbackLine {
  instance_id: string;
  correct: boolean;
  reason: string;
  feedback: string;
  details?: RunDetails;
}

/** Rows an earlier run of the same report finished (for --resume), with their feedback when the side file has it. */
export function finishedRows(csv: string): Map<string, InstanceDetail> {
  const out = new Map<string, InstanceDetail>();
  if (!existsSync(csv)) return out;
  const feedback = new Map<string, FeedbackLine>();
  const side = feedbackFile(csv);
  if (existsSync(side)) {
    for (const [i, line] of readFileSync(side, 'utf8').split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        const f = JSON.parse(line) as FeedbackLine;
        if (typeof f.instance_id === 'string') feedback.set(f.instance_id, f);
      } catch {
        // A line cut by the interrupt: its row is run again (it has no feedback to keep).
        if (i === 0)
          throw new InputError(`${side}: not a feedback file of adrs swefficiency eval (line 1 is not JSON)`);
      }
    }
  }
  for (const row of readReportCsv(csv)) {
    const f = feedback.get(row.instance_id);
    if (!f) continue; // no feedback line: written before the row was final; run it again
    out.set(row.instance_id, {
      instanceId: row.instance_id,
      row,
      feedback: f.feedback,
      reason: f.reason,
      ...(f.details ? { details: f.details } : {}),
    });
  }
  return out;
}

/**
 * Writes rows as they finish: the feedback line is appended first, then the CSV is rewritten (to a temporary file,
 * renamed over the report), so an interrupt at any point leaves a report whose every row has its feedback.
 */
export class ReportJournal {
  private readonly rows: InstanceDetail[];

  constructor(
    private readonly csv: string,
    kept: InstanceDetail[],
  ) {
    this.rows = [...kept];
    writeFileSync(feedbackFile(csv), kept.map((d) => JSON.stringify(line(d)) + '\n').join(''));
    this.flush();
  }

  add(detail: InstanceDetail): void {
    this.rows.push(detail);
    writeFileSync(feedbackFile(this.csv), JSON.stringify(line(detail)) + '\n', { flag: 'a' });
    this.flush();
  }

  /** The final report, in the given (dataset) order. */
  finish(ordered: InstanceDetail[]): void {
    this.rows.splice(0, this.rows.length, ...ordered);
    this.flush();
  }

  private flush(): void {
    const tmp = `${this.csv}.tmp-${process.pid}`;
    writeFileSync(tmp, reportCsv(this.rows.map((d) => d.row)));
    renameSync(tmp, this.csv);
  }
}

function line(d: InstanceDetail): FeedbackLine {
  return {
    instance_id: d.instanceId,
    correct: d.row.correctness === 1,
    reason: d.reason,
    feedback: d.feedback,
    ...(d.details ? { details: d.details } : {}),
  };
}
