// `adrs import <bundle>`: adds a checked bundle (candidate, verdict with raw samples, transcript) to a database.
import path from 'node:path';
import type { Command } from 'commander';
import { openBundle } from '../../export/bundle-archive.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('import <bundle>')
    .description('add a patch bundle to a database (after checking its manifest)')
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .action(async (file: string, opts: { db?: string }) => {
      const bundle = await openBundle(path.resolve(ctx.cwd, file));
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
            store.insertVerdict({
              candidateId: cand.id,
              verified: m.verdict.verified,
              correct: m.verdict.correct,
              speedup: m.verdict.speedup,
              ciLow: m.verdict.ci_low,
              ciHigh: m.verdict.ci_high,
              confidence: m.verdict.confidence,
              minEffect: m.verdict.min_effect,
              method: m.verdict.method,
              score: m.verdict.score,
              reason: `imported from ${path.basename(file)}: ${m.verdict.reason}`,
              fingerprint: m.fingerprint,
              samples: m.verdict.samples,
            });
          }
          store.updateRun(run.id, {
            status: 'finished',
            iterationsDone: 1,
            bestCandidateId: cand.id,
            bestVerifiedCandidateId: m.verdict?.verified ? cand.id : null,
          });
          return cand.id;
        });
        ctx.print(id);
        ctx.warn(`imported ${m.problem.name} candidate ${m.candidate.id} as ${id} into ${store.path}`);
      } finally {
        store.close();
        bundle.dispose();
      }
    });
}
