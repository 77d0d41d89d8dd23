// `adrs import <bundle>`: adds a checked bundle to a database; its verdict is stored as a claim until `adrs verify` agrees.
import path from 'node:path';
import type { Command } from 'commander';
import { openBundle } from '../../export/bundle-archive.js';
import { validateImport } from '../../export/bundle-validate.js';
import { claimant, markClaim } from '../../store/claims.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('import <bundle>')
    .description('add a patch bundle to a database (after checking its manifest)')
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .action(async (file: string, opts: { db?: string }) => {
      const bundle = await openBundle(path.resolve(ctx.cwd, file));
      let checked: 'applied' | 'headers';
      try {
        checked = validateImport(bundle, path.basename(file), ctx.cwd);
      } catch (error) {
        bundle.dispose();
        throw error;
      }
      const by = claimant(bundle.metadata.fingerprint);
      const store = ctx.openStore(opts.db);
      try {
        const m = bundle.metadata;
        const id = store.transaction(() => {
          if (!store.getProblem(m.problem.name, m.problem.content_hash)) {
            store.upsertProblem({
              name: m.problem.name,
              contentHash: m.problem.content_hash,
              dir: '',
              spec: { imported: true },
            });
          }
          const run = store.createRun({
            problemName: m.problem.name,
            problemHash: m.problem.content_hash,
            strategy: 'import',
            proposer: m.proposer ?? undefined,
            model: m.model ?? undefined,
            sandbox: String((m.fingerprint as { sandbox?: { kind?: string } }).sandbox?.kind ?? 'unknown'),
            config: { bundle: path.basename(file), original_candidate: m.candidate.id },
          });
          const cand = store.insertCandidate({
            runId: run.id,
            problemName: m.problem.name,
            problemHash: m.problem.content_hash,
            files: bundle.files,
            patch: bundle.patch,
            proposer: m.proposer,
            model: m.model,
            generation: m.candidate.generation,
            status: 'evaluated',
          });
          store.updateCandidate(cand.id, { score: m.candidate.score, correct: m.candidate.correct });
          if (m.verdict) {
            // A claim: stored unverified, with the claimant; only `adrs verify` here adds a verified verdict.
            const claim = store.insertVerdict({
              candidateId: cand.id,
              verified: false,
              correct: m.verdict.correct,
              speedup: m.verdict.speedup,
              ciLow: m.verdict.ci_low,
              ciHigh: m.verdict.ci_high,
              confidence: m.verdict.confidence,
              minEffect: m.verdict.min_effect,
              method: m.verdict.method,
              score: m.verdict.score,
              reason: `claimed by ${by} (imported from ${path.basename(file)}): ${m.verdict.reason}`,
              fingerprint: m.fingerprint,
              samples: m.verdict.samples,
            });
            markClaim(store, claim.id, by, m.verdict.verified === true);
          }
          store.updateRun(run.id, {
            status: 'finished',
            iterationsDone: 1,
            bestCandidateId: cand.id,
            bestVerifiedCandidateId: null,
          });
          return cand.id;
        });
        ctx.print(id);
        ctx.warn(
          `imported ${m.problem.name} candidate ${m.candidate.id} as ${id} into ${store.path}; its verdict${m.verdict?.verified ? ' (VERIFIED there)' : ''} is a claim by ${by} until \`adrs verify ${path.basename(file)} --db ${store.path}\` agrees here` +
            (checked === 'headers'
              ? ` (files checked against the patch headers: ${m.problem.name} at that version is not installed here)`
              : ''),
        );
      } finally {
        store.close();
        bundle.dispose();
      }
    });
}
