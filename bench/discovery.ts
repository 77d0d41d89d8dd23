// Benchmark: search strategies side by side at an equal dollar budget, printing best-so-far against dollars.
// Strategies: evolve (novelty rejection and mutation operators on), evolve without each of them (ablations),
// best-of-n, and the offline tuner where the seed declares knobs. Offline (default) the proposer is the scripted
// stream with an LLM's statistics (test/fakes/duplicating-proposer.ts: 40% near-duplicates, a breakage, wins and a
// rare big win per 10, $0.01 each) on the knob problem through the fake executor; it measures the mechanisms, not
// search quality. With --problem and --model it runs a real model (a key in the environment, or --base-url of a
// local OpenAI-compatible server) in the local sandbox, and that is the measurement of search quality per dollar.
//
//   node --import tsx bench/discovery.ts [--budget-usd 0.6] [--seed 1] [--json]
//   node --import tsx bench/discovery.ts --problem problems/moe-eplb --model claude-sonnet-5 --budget-usd 5 --seed 1
//   node --import tsx bench/discovery.ts --problem problems/moe-eplb --proposer openai --base-url http://127.0.0.1:8000/v1 --model qwen
//   ... --embed-provider openai --embed-model nomic-embed-text --embed-base-url http://127.0.0.1:11434/v1  (adds
//   "evolve - operators + embeddings"; offline it always runs, against a fake embeddings server on 127.0.0.1)
//   ... --db runs.db   (keeps every strategy's run in one file: `adrs serve --db runs.db`, /problems/NAME/compare)
import { parseArgs } from 'node:util';
import { parseRunConfig } from '../orchestrator/config/load-config.js';
import type { RunConfigInput } from '../orchestrator/config/run-config.js';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve, type EvolveOptions } from '../orchestrator/loop/index.js';
import { makeProposer } from '../orchestrator/loop/make-proposer.js';
import { findKnobs } from '../orchestrator/knobs/files.js';
import { OperatorProposer } from '../orchestrator/proposers/operators.js';
import { createTuneProposer } from '../orchestrator/proposers/tune.js';
import type { Proposer } from '../orchestrator/proposers/types.js';
import { Store } from '../orchestrator/store/store.js';
import { seedFiles } from '../orchestrator/evaluate/workspace.js';
import { loadProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import { duplicatingProposer } from '../test/fakes/duplicating-proposer.js';
import { ignoresUnused, startEmbeddingsServer } from '../test/fakes/embeddings-server.js';
import { fakeEvolve, tempDbPath } from '../test/fakes/fake-loop.js';

const { values: args } = parseArgs({
  options: {
    problem: { type: 'string' },
    proposer: { type: 'string' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    'budget-usd': { type: 'string', default: '0.6' },
    seed: { type: 'string', default: '1' },
    /** Hard cap on iterations per strategy (the tuner costs nothing, so it needs one). */
    'max-iterations': { type: 'string' },
    json: { type: 'boolean', default: false },
    /** Novelty embeddings for the "+ embeddings" strategy with a real model (offline: a loopback fake). */
    'embed-provider': { type: 'string' },
    'embed-model': { type: 'string' },
    'embed-base-url': { type: 'string' },
    /**
     * Keep every strategy's run in this SQLite file (default: a temporary one each), so `adrs serve --db FILE`
     * draws them on one chart: /problems/NAME/compare, verified best against iterations and dollars.
     */
    db: { type: 'string' },
  },
});

const budget = Number(args['budget-usd']);
const seed = Number(args.seed);
const offline = args.problem === undefined;
if (!offline && !args.model && args.proposer !== 'tune') {
  console.error('bench/discovery: --problem needs --model (and a key, or --base-url) to run a real model');
  process.exit(2);
}
/** Offline proposals cost $0.01; a real model's are unknown, so cap iterations generously. */
const maxIterations = Number(args['max-iterations'] ?? (offline ? Math.round(budget / 0.01) : 500));

interface Strategy {
  name: string;
  config: RunConfigInput;
  /** The tuner: no model, no dollars; given the same number of proposals as the offline stream gets for the budget. */
  tuner?: boolean;
}

/**
 * The embeddings for "evolve - operators + embeddings". Offline: a fake OpenAI-compatible server on
 * 127.0.0.1 whose vectors ignore the scripted stream's unused constants, so its "neutral" steps (real code,
 * same score) are semantic duplicates; priced at text-embedding-3-small's $0.02 per million tokens. It shows
 * the mechanism's saving, not a real embedding model's judgement.
 */
const fakeEmbeddings = offline
  ? await startEmbeddingsServer({ dialect: 'openai', embed: ignoresUnused })
  : undefined;
const embeddings: NonNullable<NonNullable<RunConfigInput['novelty']>['embeddings']> | undefined =
  fakeEmbeddings
    ? {
        provider: 'openai',
        model: 'text-embedding-3-small',
        baseUrl: fakeEmbeddings.url,
        apiKeyEnv: 'ADRS_BENCH_NO_KEY',
      }
    : args['embed-model']
      ? {
          provider: args['embed-provider'] === 'voyage' ? 'voyage' : 'openai',
          model: args['embed-model'],
          ...(args['embed-base-url'] ? { baseUrl: args['embed-base-url'] } : {}),
        }
      : undefined;

const STRATEGIES: Strategy[] = [
  ...(embeddings
    ? [
        // Operators off, so it pairs with "evolve - operators" (the same draws but for what the embeddings reject).
        {
          name: 'evolve - operators + embeddings',
          config: { novelty: { enabled: true, embeddings }, operators: false },
        },
      ]
    : []),
  { name: 'evolve', config: { novelty: { enabled: true }, operators: true } },
  { name: 'evolve - novelty', config: { novelty: { enabled: false }, operators: true } },
  { name: 'evolve - operators', config: { novelty: { enabled: true }, operators: false } },
  { name: 'evolve (neither)', config: { novelty: { enabled: false }, operators: false } },
  { name: 'best-of-n', config: { strategy: 'best-of-n' } },
  { name: 'tuner', config: { proposer: 'tune' }, tuner: true },
];

/** Counts the dollars of every proposal, so the curve is in dollars whatever the proposer. */
function metered(inner: Proposer): Proposer & { spent: () => number } {
  let spent = 0;
  const p: Proposer & { spent: () => number } = Object.assign(Object.create(inner) as Proposer, {
    spent: () => spent,
    async propose(ctx: Parameters<Proposer['propose']>[0]) {
      const r = await inner.propose(ctx);
      spent += r.costUsd;
      return r;
    },
  });
  return p;
}

interface Outcome {
  strategy: string;
  /** [dollars spent when the evaluation finished, best screen score so far]. */
  curve: [number, number][];
  evaluations: number;
  duplicates: number;
  spentUsd: number;
  best: number | null;
}

async function runStrategy(s: Strategy): Promise<Outcome | undefined> {
  const store = Store.open(args.db ?? tempDbPath());
  const base: RunConfigInput = {
    proposer: offline ? 'anthropic' : (args.proposer as RunConfigInput['proposer']),
    ...(args.model ? { model: args.model } : {}),
    ...(args['base-url'] ? { baseUrl: args['base-url'] } : {}),
    iterations: maxIterations,
    ...(s.tuner ? {} : { budgetUsd: budget }),
    seed,
    proposalConcurrency: 1,
    evalConcurrency: 1,
    ...s.config,
  };
  const config = parseRunConfig(base);
  const bus = new RunEventBus();
  let options: EvolveOptions;
  let sandbox: Awaited<ReturnType<typeof createSandbox>> | undefined;
  let proposer: Proposer & { spent: () => number };
  if (offline) {
    const inner = s.tuner ? createTuneProposer() : duplicatingProposer();
    proposer = metered(config.operators && !s.tuner ? new OperatorProposer(inner) : inner);
    options = fakeEvolve(store, proposer, { config, events: bus });
  } else {
    const problem = loadProblem(args.problem!);
    if (s.tuner && findKnobs(seedFiles(problem)).length === 0) return undefined;
    sandbox = await createSandbox('local');
    proposer = metered(await makeProposer(config, process.env, sandbox));
    options = { store, problem, sandbox, proposer, config, events: bus };
  }
  const curve: [number, number][] = [];
  let best = -Infinity;
  let evaluations = 0;
  let duplicates = 0;
  // Embedding calls are spend too (the proposer's own calls are counted by `metered`).
  let embedUsd = 0;
  bus.on('llm:call', (e) => {
    if (embeddings && e.model === embeddings.model) embedUsd += e.costUsd;
  });
  bus.on('candidate:evaluated', (e) => {
    if (e.status === 'duplicate') duplicates++;
    else if (e.status !== 'proposal-failed') evaluations++;
    if (e.correct && e.score !== null && e.score > best) best = e.score;
    if (Number.isFinite(best)) curve.push([proposer.spent() + embedUsd, best]);
  });
  const r = await evolve(options);
  store.close();
  await sandbox?.dispose();
  return {
    strategy: s.name,
    curve,
    evaluations,
    duplicates,
    spentUsd: s.tuner ? 0 : r.spentUsd,
    best: r.bestScore,
  };
}

/** Best score reached by `usd` dollars (the tuner: by the same share of its proposals). */
function bestAt(o: Outcome, usd: number, tuner: boolean): number | null {
  let out: number | null = null;
  o.curve.forEach(([spent, b], i) => {
    const x = tuner ? ((i + 1) / o.curve.length) * budget : spent;
    if (x <= usd + 1e-9) out = b;
  });
  return out;
}

const outcomes: Outcome[] = [];
for (const s of STRATEGIES) {
  const o = await runStrategy(s);
  if (o) outcomes.push(o);
}

await fakeEmbeddings?.close();

const steps = 6;
const marks = Array.from({ length: steps }, (_, i) => (budget * (i + 1)) / steps);
if (args.json) {
  console.log(JSON.stringify({ offline, budget, seed, outcomes }, null, 2));
} else {
  console.log(
    `discovery: ${offline ? 'offline scripted stream (LLM statistics), knob problem' : `${args.problem} with ${args.model}`}, budget $${budget}, seed ${seed}`,
  );
  const head = ['strategy', ...marks.map((m) => `$${m.toFixed(2)}`), 'evals', 'dups', 'spent'];
  const rows = outcomes.map((o) => [
    o.strategy,
    ...marks.map((m) => String(bestAt(o, m, o.strategy === 'tuner') ?? '–')),
    String(o.evaluations),
    String(o.duplicates),
    o.strategy === 'tuner' ? '$0 (no model)' : `$${o.spentUsd.toFixed(2)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('best screen score so far at each dollar mark:');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (offline)
    console.log(
      'offline: the scripted stream ignores the operator it is given, so evolve and "evolve - operators" differ only by ' +
        'their random draws; evals count the seed; the tuner is placed at the same proposal count (it costs nothing); ' +
        '"+ embeddings" uses a loopback fake whose vectors ignore unused constants (the mechanism, not a real model).',
    );
}
if (args.db)
  console.log(
    `runs kept in ${args.db}: node bin/adrs.js serve --db ${args.db}, then /problems/<name>/compare draws each strategy's ` +
      'verified best against iterations and dollars on one chart',
  );
