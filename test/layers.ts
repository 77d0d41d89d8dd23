// Which test files form the fast layer: all but the slow suites by suffix and the files that run real evaluations.
// `npm run test:fast` (ADRS_TEST_LAYER=fast) leaves these out; `npm test` runs everything. The loop's logic is
// tested in the fast layer through test/fakes; each file below keeps one real end-to-end per concern.

/** Suites that need a Docker engine, a Slurm cluster, Chromium or a GPU (skip loudly without them). */
export const SERVICE_KINDS = ['docker', 'slurm', 'browser', 'gpu'];
export const SERVICE_SUITES = [`test/**/*.{${SERVICE_KINDS.join(',')}}.test.ts`];

/**
 * Files whose tests start real Python evaluations or verifications in a sandbox, or the CLI (or the loop) as
 * a child process under tsx: seconds each on a quiet machine, minutes on a loaded one.
 */
export const REAL_EVALUATION_FILES = [
  'test/agent-proposer.test.ts',
  'test/bundle.test.ts',
  'test/bundle-roundtrip.test.ts',
  'test/cli-doomed-run.test.ts',
  'test/cli-eval.test.ts',
  'test/cli-eval-patch.test.ts',
  'test/cli-evolve.test.ts',
  'test/cli-matmul.test.ts',
  'test/conformance/sandbox-local.conformance.test.ts',
  'test/differential-check.test.ts',
  'test/differential-compare.test.ts',
  'test/differential-real.test.ts',
  'test/eplb.test.ts',
  'test/evaluator-cache.test.ts',
  'test/executor-inline.test.ts',
  'test/infrastructure.test.ts',
  'test/kernel-defences.test.ts',
  'test/kernel-moe.test.ts',
  'test/kernelbench-cpu.test.ts',
  'test/kernelbench-import.test.ts',
  'test/loop-evolve.test.ts',
  'test/loop-kill.test.ts',
  'test/loop-kill-real.test.ts',
  'test/loop-resume.test.ts',
  'test/matmul.test.ts',
  'test/openevolve.test.ts',
  'test/pareto.test.ts',
  'test/peers-adrs-eplb.test.ts',
  'test/peers-openevolve.test.ts',
  'test/peers-shinka.test.ts',
  'test/problem-env.test.ts',
  'test/redteam/redteam-evolve.test.ts',
  'test/redteam/redteam-local.test.ts',
  'test/redteam/redteam-swe.test.ts',
  'test/run-evaluation.test.ts',
  'test/sandbox-local.test.ts',
  'test/sandbox-local-gc.test.ts',
  'test/swefficiency-agent-verify.test.ts',
  'test/swefficiency-bytecode.test.ts',
  'test/swefficiency-cli.test.ts',
  'test/swefficiency-eval.test.ts',
  'test/swefficiency-eval-journal.test.ts',
  'test/swefficiency-parsers.test.ts',
  'test/swefficiency-progress.test.ts',
  'test/swefficiency-real.test.ts',
  'test/swefficiency-timed-results.test.ts',
  'test/swefficiency-timing.test.ts',
  'test/verify-gaming.test.ts',
  'test/verify-harness.test.ts',
  'test/verify-infra.test.ts',
  'test/verify-store.test.ts',
];

/** What vitest leaves out for a layer: `fast` drops both lists; anything else runs the whole suite. */
export function excludedFor(layer: string | undefined): string[] {
  return layer === 'fast' ? [...SERVICE_SUITES, ...REAL_EVALUATION_FILES] : [];
}

/**
 * Whether each file gets fresh modules. The fast layer shares them across the files a worker runs: importing
 * the sources again per file was two thirds of its CPU (55 s of CPU isolated, 19 s shared, same 352 tests
 * passing; its files stub no modules and restore what they stub). The whole suite stays isolated.
 */
export function isolatedFor(layer: string | undefined): boolean {
  return layer !== 'fast';
}
