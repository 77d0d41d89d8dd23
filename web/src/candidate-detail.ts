// Everything the candidate page shows: diffs, evaluations with checks and logs, the verdict's samples, LLM calls.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import type { CandidateRow, LlmCallRow, SampleRow, VerdictRow } from '../../orchestrator/store/types.js';
import { parseJson } from './parse-json.js';
import {
  childrenOf,
  evaluationsOf,
  findCandidate,
  findRun,
  latestVerdict,
  llmCallsOf,
  rootAncestor,
  samplesOfEvaluation,
  samplesOfVerdict,
} from './queries.js';
import { diffFiles, fileMap } from './views/diff.js';

export interface EvaluationView {
  id: number;
  stage: string;
  status: string;
  correct: boolean | null;
  score: number | null;
  metrics: unknown;
  checks: unknown;
  feedback: string;
  artifacts: unknown;
  reason: string | null;
  stderrTail: string;
  stdoutTail: string;
  durationMs: number;
  sandbox: string;
  seed: number | null;
  fingerprint: unknown;
  createdAt: string;
  samples: Pick<SampleRow, 'arm' | 'key' | 'seq' | 'value'>[];
}

export interface CandidateDetail {
  candidate: Omit<CandidateRow, 'files_json' | 'edit_json'> & {
    files: Record<string, string>;
    edit: unknown;
  };
  run: { id: string; status: string; problem_name: string } | null;
  parent: { id: string; score: number | null } | null;
  seed: { id: string } | null;
  children: { id: string; score: number | null; status: string; correct: number | null; verified: number }[];
  diffVsParent: string;
  /** The stored patch (diff against the seed); computed from the seed's files when none was stored. */
  diffVsSeed: string;
  evaluations: EvaluationView[];
  verdict:
    | (Omit<VerdictRow, 'metrics_json' | 'fingerprint_json'> & {
        metrics: unknown;
        fingerprint: unknown;
        samples: Pick<SampleRow, 'arm' | 'key' | 'seq' | 'value'>[];
      })
    | null;
  llmCalls: (Omit<LlmCallRow, 'prompt_json'> & { prompt: unknown })[];
  bundleUrl: string;
}

const sample = (s: SampleRow): Pick<SampleRow, 'arm' | 'key' | 'seq' | 'value'> => ({
  arm: s.arm,
  key: s.key,
  seq: s.seq,
  value: s.value,
});

export function buildCandidateDetail(db: Database.Database, id: string): CandidateDetail {
  const row = findCandidate(db, id);
  if (!row) throw new NotFoundError(`candidate "${id}" not found`);
  const { files_json, edit_json, ...rest } = row;
  const files = fileMap(parseJson(files_json));
  const parent = row.parent_id ? findCandidate(db, row.parent_id) : undefined;
  const root = row.parent_id ? rootAncestor(db, row.id) : undefined;
  const run = row.run_id ? findRun(db, row.run_id) : undefined;
  const verdict = latestVerdict(db, row.id);
  return {
    candidate: { ...rest, files, edit: parseJson(edit_json) },
    run: run ? { id: run.id, status: run.status, problem_name: run.problem_name } : null,
    parent: parent ? { id: parent.id, score: parent.score } : null,
    seed: root && root.id !== row.id ? { id: root.id } : null,
    children: childrenOf(db, row.id, 50),
    diffVsParent: parent ? diffFiles(fileMap(parseJson(parent.files_json)), files) : '',
    diffVsSeed: row.patch.trim()
      ? row.patch
      : root && root.id !== row.id
        ? diffFiles(fileMap(parseJson(root.files_json)), files)
        : '',
    evaluations: evaluationsOf(db, row.id).map((e) => ({
      id: e.id,
      stage: e.stage,
      status: e.status,
      correct: e.correct === null ? null : e.correct === 1,
      score: e.score,
      metrics: parseJson(e.metrics_json),
      checks: parseJson(e.checks_json),
      feedback: e.feedback,
      artifacts: parseJson(e.artifacts_json),
      reason: e.reason,
      stderrTail: e.stderr_tail,
      stdoutTail: e.stdout_tail,
      durationMs: e.duration_ms,
      sandbox: e.sandbox,
      seed: e.seed,
      fingerprint: parseJson(e.fingerprint_json),
      createdAt: e.created_at,
      samples: samplesOfEvaluation(db, e.id).map(sample),
    })),
    verdict: verdict
      ? (() => {
          const { metrics_json, fingerprint_json, ...v } = verdict;
          return {
            ...v,
            metrics: parseJson(metrics_json),
            fingerprint: parseJson(fingerprint_json),
            samples: samplesOfVerdict(db, verdict.id).map(sample),
          };
        })()
      : null,
    llmCalls: llmCallsOf(db, row.id).map(({ prompt_json, ...c }) => ({
      ...c,
      prompt: parseJson(prompt_json),
    })),
    bundleUrl: `/api/candidates/${encodeURIComponent(row.id)}/bundle`,
  };
}
