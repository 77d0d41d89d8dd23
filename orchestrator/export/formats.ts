// Other tools' result formats: SWE-fficiency predictions JSONL and OpenEvolve's best-program folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import type { Store } from '../store/store.js';
import type { CandidateRow } from '../store/types.js';
import { verifiedBestOfRun } from '../store/verified-best.js';
import { baseFiles } from './bundle-contents.js';
import { gitDiff } from './git-diff.js';

/** The run's best candidate: verified best (store/verified-best.ts) first, else the best screened one. */
export function bestOfRun(store: Store, runId: string): CandidateRow {
  const run = store.getRun(runId);
  const id = verifiedBestOfRun(store.db, runId)?.candidate_id ?? run.best_candidate_id;
  if (id) return store.getCandidate(id);
  const best = store
    .listCandidates(runId)
    .filter((c) => c.score !== null)
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0];
  if (!best) throw new NotFoundError(`run ${runId} has no correct candidate to export`);
  return best;
}

/** One predictions line per run for the official SWE-fficiency harness. */
export function swefficiencyPrediction(store: Store, runId: string, modelName?: string): string {
  const best = bestOfRun(store, runId);
  const run = store.getRun(runId);
  const spec = JSON.parse(store.getProblem(best.problem_name, best.problem_hash)?.spec_json ?? '{}') as {
    instance_id?: string;
  };
  const files = JSON.parse(best.files_json) as Record<string, string>;
  return JSON.stringify({
    instance_id: spec.instance_id ?? best.problem_name,
    model_patch: best.patch || gitDiff(baseFiles(store, best), files),
    model_name_or_path:
      modelName ?? (run.model ? `adrs__${run.model}` : `adrs__${run.proposer ?? 'unknown'}`),
  });
}

/** Writes best_program.<ext> and best_program_info.json as OpenEvolve does in its output's best/ folder. */
export function writeOpenEvolveBest(store: Store, runId: string, outDir: string): string[] {
  const best = bestOfRun(store, runId);
  const files = JSON.parse(best.files_json) as Record<string, string>;
  const [first] = Object.keys(files);
  if (!first) throw new NotFoundError(`candidate ${best.id} has no files`);
  mkdirSync(outDir, { recursive: true });
  const ext = path.extname(first) || '.txt';
  const program = path.join(outDir, `best_program${ext}`);
  writeFileSync(program, files[first]!);
  const metrics = store
    .listEvaluations(best.id)
    .filter((e) => e.stage === 'screen')
    .at(-1);
  const info = {
    id: best.id,
    generation: best.generation,
    iteration: best.iteration,
    timestamp: Date.parse(best.created_at) / 1000,
    parent_id: best.parent_id,
    metrics: metrics ? (JSON.parse(metrics.metrics_json) as Record<string, number>) : {},
    language:
      (
        JSON.parse(store.getProblem(best.problem_name, best.problem_hash)?.spec_json ?? '{}') as {
          language?: string;
        }
      ).language ?? null,
    saved_at: Date.now() / 1000,
  };
  const infoFile = path.join(outDir, 'best_program_info.json');
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + '\n');
  return [program, infoFile];
}
