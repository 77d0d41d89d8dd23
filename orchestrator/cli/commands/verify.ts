// `adrs verify <bundle>`: re-verifies a bundle on this machine against the baseline and says whether it agrees.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AdrsError, InputError } from '../../../core/errors.js';
import { loadProblem } from '../../../problems/src/load.js';
import { createSandbox } from '../../../sandboxes/index.js';
import { infraOf, retryInfrastructure } from '../../evaluate/infra-retry.js';
import { verifyFiles } from '../../evaluate/verify-files.js';
import { seedFiles } from '../../evaluate/workspace.js';
import { openBundle } from '../../export/bundle-archive.js';
import { applyBundlePatch } from '../../export/bundle-check.js';
import { importedCandidates } from '../../store/claims.js';
import { resolveDbPath } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { fmtNumber } from '../format.js';
import { setExitCode } from '../main.js';

interface VerifyOptions {
  problem?: string;
  sandbox: string;
  gpus?: string;
  json?: boolean;
  allowProblemChange?: boolean;
  db?: string;
}

const fmtInterval = (v: {
  speedup?: number | null;
  ciLow?: number | null;
  ciHigh?: number | null;
}): string =>
  v.speedup == null
    ? '-'
    : `${fmtNumber(v.speedup, 3)}x [${fmtNumber(v.ciLow, 3)}, ${fmtNumber(v.ciHigh, 3)}]`;

/** Two verified speedups agree only when their intervals overlap (a forged 1235x must not "agree" with 1.3x). */
function intervalsMeet(
  recorded: { verified: boolean; ci_low: number | null; ci_high: number | null },
  here: { ciLow?: number | null; ciHigh?: number | null },
): boolean {
  if (!recorded.verified || recorded.ci_low == null || recorded.ci_high == null) return true;
  if (here.ciLow == null || here.ciHigh == null) return true;
  return recorded.ci_low <= here.ciHigh && here.ciLow <= recorded.ci_high;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('verify <bundle>')
    .description(
      're-verify a patch bundle here (held-out inputs, interleaved timing) and compare with its recorded verdict',
    )
    .option('--problem <dir>', 'the problem package (default: the built-in one named in the bundle)')
    .option('--sandbox <kind>', 'local or docker', 'local')
    .option('--gpus <spec>', 'docker: GPUs to expose')
    .option(
      '--allow-problem-change',
      'verify even if the installed problem differs from the one the bundle was made for',
    )
    .option(
      '--db <file>',
      "record this machine's verdict for the bundle's imported candidates (default .adrs/adrs.db or ADRS_DB, if it exists)",
    )
    .option('--json', 'print the comparison as JSON')
    .action(async (file: string, opts: VerifyOptions, cmd: Command) => {
      const label = path.basename(file);
      const bundle = await openBundle(path.resolve(ctx.cwd, file));
      const sandbox = await createSandbox(opts.sandbox, { gpus: opts.gpus });
      try {
        const m = bundle.metadata;
        const problem = loadProblem(opts.problem ?? m.problem.name, ctx.cwd);
        if (problem.contentHash !== m.problem.content_hash && !opts.allowProblemChange) {
          throw new InputError(
            `${label}: made for ${m.problem.name} with content hash ${m.problem.content_hash.slice(0, 12)}, but ${problem.dir} has ${problem.contentHash.slice(0, 12)} (use the same problem version, or --allow-problem-change)`,
          );
        }
        const files = applyBundlePatch(bundle, seedFiles(problem), label);
        if (!opts.json)
          ctx.warn(
            `checks passed (manifest, patch applies to the seed); re-verifying ${m.candidate.id} on ${problem.spec.name}…`,
          );
        // A platform fault (sandbox start, the evaluator unable to fork) is retried as the loop does; if it
        // persists there is no measurement: nothing is printed as a verdict and nothing is stored (a claim stays one).
        const { result, infrastructure } = await retryInfrastructure(
          () =>
            verifyFiles({
              problem,
              sandbox,
              candidateId: m.candidate.id,
              files,
              gpus: opts.gpus,
            }),
          (r) => r.infrastructure ?? infraOf(r.heldOut) ?? infraOf(r.baselineHeldOut),
          {
            onRetry: (cause, retry) =>
              ctx.warn(`platform fault, trying again (${retry}): ${cause.split('\n')[0]}`),
          },
        );
        if (infrastructure)
          throw new AdrsError(
            'infrastructure',
            `${label}: not verified: a platform fault, not the candidate, stopped the verification (${infrastructure.split('\n')[0]}); nothing was recorded; fix the sandbox and run adrs verify again`,
          );
        const { verdict } = result;
        const recorded = m.verdict;
        const agrees = recorded
          ? recorded.verified === verdict.verified && intervalsMeet(recorded, verdict)
          : !verdict.verified;
        if (opts.json) {
          ctx.print(JSON.stringify({ agrees, recorded, now: { ...verdict, fingerprint: undefined } }));
        } else {
          ctx.print(
            `recorded: ${recorded ? (recorded.verified ? 'VERIFIED' : 'not verified') : 'no verdict'}  ${recorded ? fmtInterval({ speedup: recorded.speedup, ciLow: recorded.ci_low, ciHigh: recorded.ci_high }) : ''}`,
          );
          ctx.print(
            `here:     ${verdict.verified ? 'VERIFIED' : 'not verified'}  ${fmtInterval(verdict)}  (${verdict.reason})`,
          );
          ctx.print(agrees ? 'AGREES with the recorded verdict' : 'DISAGREES with the recorded verdict');
        }
        const dbFile = resolveDbPath(opts.db, ctx.env, ctx.cwd);
        if ((opts.db !== undefined || existsSync(dbFile)) && problem.contentHash === m.problem.content_hash) {
          // The measurement made here replaces the claim: imported candidates get this verdict as their own.
          const store = ctx.openStore(opts.db);
          try {
            for (const id of importedCandidates(store, m.problem.content_hash, bundle.patch)) {
              store.insertVerdict({ ...verdict, candidateId: id, baselineCandidateId: undefined });
              if (verdict.verified) {
                const runId = store.getCandidate(id)?.run_id;
                if (runId) store.updateRun(runId, { bestVerifiedCandidateId: id });
              }
              ctx.warn(`recorded this machine's verdict for imported candidate ${id} in ${store.path}`);
            }
          } finally {
            store.close();
          }
        }
        if (!agrees) setExitCode(cmd, 1);
      } finally {
        await sandbox.dispose();
        bundle.dispose();
      }
    });
}
