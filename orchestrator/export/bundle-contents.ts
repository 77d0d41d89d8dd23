// Gathers what a patch bundle holds for one stored candidate: patch, changed files, metadata, transcript.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../../core/secrets.js';
import type { Store } from '../store/store.js';
import type { CandidateRow } from '../store/types.js';
import { gitDiff } from './git-diff.js';

export const BUNDLE_FORMAT = 'adrs-bundle/1';

export interface BundleContents {
  patch: string;
  /** Changed files after the patch, by relative path. */
  files: Record<string, string>;
  metadata: Record<string, unknown>;
  transcript: string;
  reproduce: string;
}

const parse = <T>(text: string | null | undefined, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** The candidate's ancestors, oldest first (the seed is the first). */
export function lineage(store: Store, candidate: CandidateRow): CandidateRow[] {
  const chain: CandidateRow[] = [candidate];
  const seen = new Set([candidate.id]);
  let cur = candidate;
  while (cur.parent_id && !seen.has(cur.parent_id)) {
    const parent = store.findCandidate(cur.parent_id);
    if (!parent) break;
    chain.unshift(parent);
    seen.add(parent.id);
    cur = parent;
  }
  return chain;
}

/** The base the patch is against: the run's seed candidate, else the problem package's seed files. */
export function baseFiles(store: Store, candidate: CandidateRow): Record<string, string> {
  const root = lineage(store, candidate)[0]!;
  const files = parse<Record<string, string>>(candidate.files_json, {});
  if (root.id !== candidate.id) return parse<Record<string, string>>(root.files_json, {});
  const problem = store.getProblem(candidate.problem_name, candidate.problem_hash);
  const out: Record<string, string> = {};
  if (problem) {
    const spec = parse<{ seed?: { dir?: string } }>(problem.spec_json, {});
    for (const rel of Object.keys(files)) {
      const f = path.join(problem.dir, spec.seed?.dir ?? 'seed', rel);
      if (existsSync(f)) out[rel] = readFileSync(f, 'utf8');
    }
  }
  return out;
}

export function collectBundle(store: Store, candidateId: string, platformVersion: string): BundleContents {
  const c = store.getCandidate(candidateId);
  const files = parse<Record<string, string>>(c.files_json, {});
  const base = baseFiles(store, c);
  const changed = Object.fromEntries(Object.entries(files).filter(([k, v]) => base[k] !== v));
  const patch = gitDiff(base, files);
  const evaluations = store.listEvaluations(c.id);
  const screen = [...evaluations].reverse().find((e) => e.stage === 'screen');
  const verdict = store.latestVerdict(c.id);
  const calls = store.llmCallsForCandidate(c.id);
  const problem = store.getProblem(c.problem_name, c.problem_hash);
  const run = c.run_id ? store.findRun(c.run_id) : undefined;
  const chain = lineage(store, c);
  const metadata = {
    format: BUNDLE_FORMAT,
    platform: { name: 'adrs', version: platformVersion },
    exported_at: new Date().toISOString(),
    problem: {
      name: c.problem_name,
      content_hash: c.problem_hash,
      base_commit: parse<{ base_commit?: string }>(problem?.spec_json, {}).base_commit ?? null,
    },
    candidate: {
      id: c.id,
      run_id: c.run_id,
      generation: c.generation,
      iteration: c.iteration,
      island: c.island,
      status: c.status,
      score: c.score,
      correct: c.correct === 1,
      edit: parse(c.edit_json, null),
    },
    metrics: screen ? parse(screen.metrics_json, {}) : {},
    checks: screen ? parse(screen.checks_json, []) : [],
    verdict: verdict
      ? {
          verified: verdict.verified === 1,
          correct: verdict.correct === 1,
          speedup: verdict.speedup,
          ci_low: verdict.ci_low,
          ci_high: verdict.ci_high,
          confidence: verdict.confidence,
          min_effect: verdict.min_effect,
          method: verdict.method,
          score: verdict.score,
          metrics: parse(verdict.metrics_json, {}),
          reason: verdict.reason,
          baseline_candidate_id: verdict.baseline_candidate_id,
          samples: store
            .samplesForVerdict(verdict.id)
            .map((s) => ({ arm: s.arm, key: s.key, seq: s.seq, value: s.value })),
          created_at: verdict.created_at,
        }
      : null,
    fingerprint: verdict
      ? parse(verdict.fingerprint_json, {})
      : screen
        ? parse(screen.fingerprint_json, {})
        : {},
    proposer: c.proposer,
    model: c.model,
    usage: {
      llm_calls: calls.length,
      input_tokens: calls.reduce((a, r) => a + r.input_tokens, 0),
      output_tokens: calls.reduce((a, r) => a + r.output_tokens, 0),
      cost_usd: calls.reduce((a, r) => a + r.cost_usd, 0),
    },
    run: run
      ? { id: run.id, strategy: run.strategy, proposer: run.proposer, model: run.model, sandbox: run.sandbox }
      : null,
    lineage: chain.map((a) => ({
      id: a.id,
      parent_id: a.parent_id,
      generation: a.generation,
      score: a.score,
      proposer: a.proposer,
    })),
    files_changed: Object.keys(changed).sort(),
  };
  const transcript = calls
    .map((r) =>
      JSON.stringify({
        provider: r.provider,
        model: r.model,
        status: r.status,
        error: r.error,
        prompt: parse(r.prompt_json, null),
        response: r.response_text,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        cost_usd: r.cost_usd,
        latency_ms: r.latency_ms,
        created_at: r.created_at,
      }),
    )
    .join('\n');
  return {
    patch: redactSecrets(patch),
    files: Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, redactSecrets(v)])),
    metadata,
    transcript: redactSecrets(transcript ? transcript + '\n' : ''),
    reproduce: reproduceText(c.problem_name, c.problem_hash, verdict?.verified === 1),
  };
}

function reproduceText(problem: string, hash: string, verified: boolean): string {
  return `# Reproduce this result

This bundle holds a patch found by adrs for the problem \`${problem}\`
(content hash \`${hash.slice(0, 16)}…\`), the files it changes, the verdict that was recorded
(${verified ? 'verified' : 'not verified'}), the raw timing samples and the LLM transcript.

1. Check and re-verify on your machine (the problem package must be installed, same content hash):

       npx adrs verify bundle.tar.gz

   adrs checks every file against MANIFEST.sha256, applies \`patch.diff\` to the problem's seed,
   re-runs the held-out correctness checks and the interleaved timing against the baseline, and
   says whether its verdict agrees with the recorded one.

2. Or apply the patch by hand to the seed folder of the problem:

       git apply patch.diff

3. Add the result to your own database: \`npx adrs import bundle.tar.gz\`.

Timings depend on the machine: compare \`metadata.json\` -> \`fingerprint\` with yours.
`;
}
