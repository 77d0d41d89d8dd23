// Builds what proposers see (parent with feedback, inspirations, attempts) from the store's rows, with a small cache.
import type { Store } from '../store/store.js';
import type { CandidateRow, EvaluationRow } from '../store/types.js';
import type { AttemptView, ParentView, ProgramView } from '../proposers/types.js';

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Reads programs from the store; files are cached because every proposal and diversity measure needs them. */
export class ProgramViews {
  private readonly files = new Map<string, Record<string, string>>();

  constructor(private readonly store: Store) {}

  /** The evolved files of a candidate (undefined when it does not exist). */
  filesOf(id: string): Record<string, string> | undefined {
    const hit = this.files.get(id);
    if (hit) return hit;
    const row = this.store.findCandidate(id);
    if (!row) return undefined;
    const files = JSON.parse(row.files_json) as Record<string, string>;
    this.remember(id, files);
    return files;
  }

  remember(id: string, files: Record<string, string>): void {
    this.files.set(id, files);
    if (this.files.size > 500) this.files.delete(this.files.keys().next().value as string);
  }

  screenEvaluation(id: string): EvaluationRow | undefined {
    return this.store
      .listEvaluations(id)
      .filter((e) => e.stage === 'screen')
      .at(-1);
  }

  program(id: string): ProgramView {
    const row = this.store.getCandidate(id);
    const ev = this.screenEvaluation(id);
    return {
      id,
      files: this.filesOf(id) ?? {},
      metrics: ev ? (JSON.parse(ev.metrics_json) as Record<string, number>) : {},
      score: row.score,
      correct: row.correct === 1,
      generation: row.generation,
    };
  }

  parent(id: string): ParentView {
    const view = this.program(id);
    const ev = this.screenEvaluation(id);
    const checks = ev ? (JSON.parse(ev.checks_json) as Check[]) : [];
    const feedback = ev ? ev.feedback || (ev.reason ?? '') : '';
    return {
      ...view,
      feedback,
      failedChecks: checks
        .filter((c) => !c.ok)
        .map((c) => ({ name: c.name, ...(c.detail ? { detail: c.detail } : {}) })),
      stderrTail: ev?.stderr_tail ?? '',
    };
  }
}

/** One finished candidate as an earlier attempt for later prompts. */
export function attemptOf(row: CandidateRow, parentScore: number | null): AttemptView {
  let summary = row.proposer ?? '';
  let infrastructure = false;
  if (row.edit_json) {
    const edit = JSON.parse(row.edit_json) as { summary?: string; cause?: string } | null;
    if (edit?.summary) summary = edit.summary;
    infrastructure = edit?.cause === 'provider';
  }
  return {
    id: row.id,
    parentId: row.parent_id,
    summary,
    status: row.status,
    score: row.score,
    delta: row.score !== null && parentScore !== null ? row.score - parentScore : null,
    ...(infrastructure ? { infrastructure } : {}),
  };
}
