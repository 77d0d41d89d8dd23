// `adrs show <run|candidate>`: a run's summary with its best candidates, or one candidate in full (metrics, evaluations, verdict, patch).
import type { Command } from 'commander';
import { NotFoundError } from '../../../core/errors.js';
import type { Store } from '../../store/store.js';
import type { CandidateRow, RunRow } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { fmtMs, fmtNumber, table } from '../format.js';
import { numberFlag } from './evolve.js';
import { resolveRunOrCandidate } from '../resolve.js';
import { verifiedBestOfRun } from '../../store/verified-best.js';

interface ShowOptions {
  db?: string;
  json?: boolean;
  top: number;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('show <id>')
    .description(
      'show a run (summary and best candidates) or a candidate (metrics, evaluations, verdict, patch)',
    )
    .option('--top <n>', 'best candidates listed for a run', numberFlag('--top', true), 10)
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .option('--json', 'print JSON')
    .action((id: string, opts: ShowOptions) => {
      const store = ctx.openStore(opts.db);
      try {
        const found = resolveRunOrCandidate(store, id);
        if (found.kind === 'run') return showRun(ctx, store, store.getRun(found.id), opts);
        const cand = store.findCandidate(found.id);
        if (cand) return showCandidate(ctx, store, cand, opts);
        throw new NotFoundError(`candidate "${found.id}" not found (list runs with \`adrs runs\`)`);
      } finally {
        store.close();
      }
    });
}

const editSummary = (c: CandidateRow): string => {
  const e = c.edit_json ? (JSON.parse(c.edit_json) as { summary?: string } | null) : null;
  return e?.summary ?? (c.proposer === 'seed' ? 'the seed' : '');
};

function showRun(ctx: CliContext, store: Store, run: RunRow, opts: ShowOptions): void {
  const cands = store.listCandidates(run.id);
  const byStatus: Record<string, number> = {};
  for (const c of cands) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
  const seed = cands.find((c) => c.iteration === 0);
  const top = cands
    .filter((c) => c.score !== null && c.correct === 1)
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0))
    .slice(0, opts.top);
  // The same rule as the run page and the API (store/verified-best.ts), not a copy kept elsewhere.
  const verified = verifiedBestOfRun(store.db, run.id);
  if (opts.json) {
    ctx.print(
      JSON.stringify({
        run: {
          ...run,
          config: JSON.parse(run.config_json) as unknown,
          config_json: undefined,
          state_json: undefined,
        },
        seed: seed ? { id: seed.id, score: seed.score } : null,
        candidates: byStatus,
        best: top.map((c) => ({
          id: c.id,
          iteration: c.iteration,
          island: c.island,
          score: c.score,
          verified: c.verified === 1,
          edit: editSummary(c),
        })),
        verifiedBest: verified ?? null,
      }),
    );
    return;
  }
  ctx.print(`run ${run.id}  ${run.status.toUpperCase()}${run.error ? `: ${run.error}` : ''}`);
  ctx.print(
    `problem ${run.problem_name}  strategy ${run.strategy}  proposer ${run.proposer ?? '-'}${run.model ? '/' + run.model : ''}  sandbox ${run.sandbox}`,
  );
  ctx.print(
    `iterations ${run.iterations_done}  spent $${run.spent_usd.toFixed(4)}  started ${run.created_at}  updated ${run.updated_at}`,
  );
  ctx.print(
    `candidates: ${
      Object.entries(byStatus)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'none'
    }`,
  );
  ctx.print(`seed ${seed?.id ?? '-'}: score ${fmtNumber(seed?.score, 6)}`);
  if (verified)
    ctx.print(
      `verified best ${verified.candidate_id}: ${verified.speedup !== null ? `${fmtNumber(verified.speedup, 4)}x [${fmtNumber(verified.ci_low, 4)}, ${fmtNumber(verified.ci_high, 4)}]` : `held-out score ${fmtNumber(verified.score, 6)}`} (${verified.method})`,
    );
  else ctx.print('verified best: none');
  if (top.length) {
    ctx.print('');
    ctx.print(
      table(
        ['candidate', 'iter', 'island', 'score', 'verified', 'edit'],
        top.map((c) => [
          c.id,
          c.iteration,
          c.island,
          fmtNumber(c.score, 6),
          c.verified ? 'yes' : '',
          editSummary(c).slice(0, 60),
        ]),
      ),
    );
  }
  if (run.status === 'stopped' || run.status === 'running') ctx.print(`\ncontinue: adrs resume ${run.id}`);
}

function showCandidate(ctx: CliContext, store: Store, c: CandidateRow, opts: ShowOptions): void {
  const evals = store.listEvaluations(c.id);
  const verdict = store.latestVerdict(c.id);
  const calls = store.llmCallsForCandidate(c.id);
  const screen = evals.filter((e) => e.stage === 'screen').at(-1);
  const metrics = screen ? (JSON.parse(screen.metrics_json) as Record<string, number>) : {};
  const cost = calls.reduce((s, k) => s + k.cost_usd, 0);
  if (opts.json) {
    ctx.print(
      JSON.stringify({
        candidate: {
          ...c,
          files_json: undefined,
          edit: c.edit_json ? (JSON.parse(c.edit_json) as unknown) : null,
          edit_json: undefined,
        },
        metrics,
        evaluations: evals.map((e) => ({
          id: e.id,
          stage: e.stage,
          status: e.status,
          score: e.score,
          reason: e.reason,
          durationMs: e.duration_ms,
          feedback: e.feedback,
        })),
        verdict: verdict ?? null,
        llmCalls: calls.map((k) => ({
          id: k.id,
          provider: k.provider,
          model: k.model,
          status: k.status,
          costUsd: k.cost_usd,
          inputTokens: k.input_tokens,
          outputTokens: k.output_tokens,
        })),
        patch: c.patch,
      }),
    );
    return;
  }
  ctx.print(
    `candidate ${c.id}  ${c.status.toUpperCase()}  score ${fmtNumber(c.score, 6)}${c.verified ? '  VERIFIED' : ''}`,
  );
  ctx.print(
    `run ${c.run_id ?? '-'}  problem ${c.problem_name}  iteration ${c.iteration ?? '-'}  generation ${c.generation}  island ${c.island ?? '-'}  parent ${c.parent_id ?? '-'}`,
  );
  ctx.print(`proposer ${c.proposer ?? '-'}${c.model ? '/' + c.model : ''}  edit: ${editSummary(c) || '-'}`);
  if (calls.length) ctx.print(`llm calls: ${calls.length}, $${cost.toFixed(4)}`);
  if (Object.keys(metrics).length) {
    ctx.print('');
    ctx.print(
      table(
        ['metric', 'value'],
        Object.entries(metrics).map(([k, v]) => [k, fmtNumber(v, 6)]),
      ),
    );
  }
  if (evals.length) {
    ctx.print('');
    ctx.print(
      table(
        ['evaluation', 'stage', 'status', 'score', 'time', 'reason'],
        evals.map((e) => [
          e.id,
          e.stage,
          e.status,
          fmtNumber(e.score, 6),
          fmtMs(e.duration_ms),
          (e.reason ?? '').slice(0, 80),
        ]),
      ),
    );
    if (screen && screen.status !== 'ok' && screen.feedback) {
      ctx.print(`feedback: ${screen.feedback.split('\n')[0]}`);
      // A process that died: its last error lines (e.g. a ModuleNotFoundError) say why; the first line does not.
      const died = /\nlast lines of its stderr:\n[\s\S]*/.exec(screen.feedback)?.[0];
      if (died) ctx.print(died.trim().split('\n').slice(0, 14).join('\n'));
    }
  }
  ctx.print('');
  if (verdict) {
    const interval =
      verdict.speedup !== null
        ? `speedup ${fmtNumber(verdict.speedup, 4)}x [${fmtNumber(verdict.ci_low, 4)}, ${fmtNumber(verdict.ci_high, 4)}]`
        : `held-out score ${fmtNumber(verdict.score, 6)}`;
    ctx.print(
      `verdict: ${verdict.verified ? 'VERIFIED' : 'not verified'}, ${interval} (${verdict.method}): ${verdict.reason}`,
    );
  } else ctx.print('verdict: none (not verified)');
  if (c.patch) {
    ctx.print('');
    ctx.print(c.patch.trimEnd());
  }
}
