// `adrs best <problem>`: verified results only, best first, each with its confidence interval.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { fmtNumber, table } from '../format.js';
import { numberFlag } from './evolve.js';
import { problemNameOf } from '../resolve.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('best <problem>')
    .description('verified results for a problem (a folder or a name), best first, with their intervals')
    .option('--limit <n>', 'how many', numberFlag('--limit', true), 10)
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .option('--json', 'print JSON')
    .action((problemRef: string, opts: { limit: number; db?: string; json?: boolean }) => {
      const problem = problemNameOf(problemRef, ctx.cwd);
      const store = ctx.openStore(opts.db);
      try {
        const rows = store.bestVerified(problem, opts.limit);
        if (opts.json) {
          ctx.print(
            JSON.stringify(
              rows.map((v) => ({
                candidate: v.candidate_id,
                run: v.run_id,
                speedup: v.speedup,
                ciLow: v.ci_low,
                ciHigh: v.ci_high,
                confidence: v.confidence,
                score: v.score,
                method: v.method,
                proposer: v.proposer,
                model: v.model,
                reason: v.reason,
                verifiedAt: v.created_at,
              })),
            ),
          );
          return;
        }
        if (rows.length === 0) {
          ctx.print(`no verified result for ${problem} yet (run \`adrs evolve ${problem}\`)`);
          return;
        }
        ctx.print(
          table(
            ['candidate', 'speedup', 'interval', 'score', 'method', 'proposer', 'run'],
            rows.map((v) => [
              v.candidate_id,
              v.speedup === null ? '-' : `${fmtNumber(v.speedup, 4)}x`,
              v.ci_low === null
                ? '-'
                : `[${fmtNumber(v.ci_low, 4)}, ${fmtNumber(v.ci_high, 4)}] @${Math.round((v.confidence ?? 0) * 100)}%`,
              fmtNumber(v.score, 6),
              v.method,
              v.model ? `${v.proposer}/${v.model}` : v.proposer,
              v.run_id,
            ]),
          ),
        );
        ctx.print(`see one: adrs show <candidate>`);
      } finally {
        store.close();
      }
    });
}
