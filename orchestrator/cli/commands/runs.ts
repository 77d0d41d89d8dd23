// `adrs runs`: lists the runs in the database, newest first.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { fmtNumber, table } from '../format.js';
import { numberFlag } from './evolve.js';
import { verifiedBestOfRun } from '../../store/verified-best.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('runs')
    .description('list runs (newest first)')
    .option('--limit <n>', 'how many', numberFlag('--limit', true), 50)
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .option('--json', 'print JSON')
    .action((opts: { limit: number; db?: string; json?: boolean }) => {
      const store = ctx.openStore(opts.db);
      try {
        const runs = store.listRuns(opts.limit);
        const rows = runs.map((r) => {
          const best = r.best_candidate_id ? store.findCandidate(r.best_candidate_id) : undefined;
          return {
            id: r.id,
            problem: r.problem_name,
            status: r.status,
            strategy: r.strategy,
            proposer: r.proposer,
            model: r.model,
            iterations: r.iterations_done,
            bestScore: best?.score ?? null,
            verified: verifiedBestOfRun(store.db, r.id)?.candidate_id ?? null,
            spentUsd: r.spent_usd,
            updatedAt: r.updated_at,
          };
        });
        if (opts.json) {
          ctx.print(JSON.stringify(rows));
          return;
        }
        if (rows.length === 0) {
          ctx.print('no runs yet (start one with `adrs evolve <problem>`)');
          return;
        }
        ctx.print(
          table(
            [
              'run',
              'problem',
              'status',
              'strategy',
              'proposer',
              'iter',
              'best',
              'verified',
              'spent',
              'updated',
            ],
            rows.map((r) => [
              r.id,
              r.problem,
              r.status,
              r.strategy,
              r.model ? `${r.proposer}/${r.model}` : r.proposer,
              r.iterations,
              fmtNumber(r.bestScore, 6),
              r.verified ?? '-',
              `$${r.spentUsd.toFixed(2)}`,
              r.updatedAt.slice(0, 19).replace('T', ' '),
            ]),
          ),
        );
      } finally {
        store.close();
      }
    });
}
