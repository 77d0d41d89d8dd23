// Verifies a candidate's files against a baseline's for a loaded problem: guard, workspaces, targets, fingerprint, verdict.
import { environmentFingerprint } from '../../evaluators/fingerprint.js';
import { guardFiles } from '../../evaluators/guard/check.js';
import { verifyCandidate, type VerifyResult } from '../../evaluators/verify.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import { extendedMaxSamples } from '../../problems/src/schema.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { guardConfigOf } from './guard-config.js';
import { stageTarget } from './target.js';
import { materializeWorkspace, seedFiles } from './workspace.js';

export interface VerifyFilesOptions {
  problem: LoadedProblem;
  sandbox: Sandbox;
  candidateId: string;
  files: Record<string, string>;
  /** Files of the baseline (default: the seed). */
  baselineFiles?: Record<string, string>;
  baselineCandidateId?: string | null;
  seed?: number;
  gpus?: string;
  signal?: AbortSignal;
  onSample?: Parameters<typeof verifyCandidate>[0]['onSample'];
  onProgress?: Parameters<typeof verifyCandidate>[0]['onProgress'];
  /** Where this runs (e.g. { kind: 'slurm', jobId, node }), stored in the fingerprint as `executor`. */
  executorFacts?: Record<string, string>;
}

export async function verifyFiles(opts: VerifyFilesOptions): Promise<VerifyResult> {
  const spec = opts.problem.spec;
  const seed = seedFiles(opts.problem);
  const guard = guardFiles(seed, opts.files, guardConfigOf(opts.problem));
  const cand = materializeWorkspace(opts.problem, opts.files);
  const base = materializeWorkspace(opts.problem, opts.baselineFiles ?? {});
  try {
    const primary = spec.metrics.find((m) => m.name === spec.primary)!;
    const extended = extendedMaxSamples(spec.timing);
    return await verifyCandidate({
      sandbox: opts.sandbox,
      candidateId: opts.candidateId,
      candidateDir: cand.dir,
      baselineDir: base.dir,
      baselineCandidateId: opts.baselineCandidateId ?? null,
      targets: {
        verify: stageTarget(opts.problem, 'verify', { gpus: opts.gpus }),
        time: stageTarget(opts.problem, 'time', { gpus: opts.gpus }),
      },
      timing: {
        key: spec.timing.key,
        minSamples: spec.timing.verify_samples,
        maxSamples: spec.timing.max_samples,
        ...(extended ? { extendedMaxSamples: extended } : {}),
        minEffect: spec.timing.min_effect,
        confidence: spec.timing.confidence,
        precision: spec.timing.precision,
        randomizeOrder: spec.timing.randomize_order,
      },
      primary: { name: primary.name, direction: primary.direction },
      seed: opts.seed,
      fingerprint: {
        ...(await environmentFingerprint(opts.sandbox, opts.problem.contentHash)),
        ...(opts.executorFacts ? { executor: opts.executorFacts } : {}),
      },
      guard,
      labels: { 'adrs.candidate': opts.candidateId },
      signal: opts.signal,
      onSample: opts.onSample,
      onProgress: opts.onProgress,
    });
  } finally {
    cand.dispose();
    base.dispose();
  }
}
