// Benchmark: the orchestrator's own cost per iteration as a run grows. A scripted proposer answers at once and
// a trivial evaluator (JavaScript, no process) scores at once, so all the time measured is the loop's: selection,
// the store's writes (candidate, evaluation, population row, run state, event log) and the bookkeeping.
// Prints, at each mark, the mean wall and CPU time per iteration over the iterations just before it (CPU time
// is the steadier figure on a shared machine), the resident memory and
// the database's size. Goal: time per iteration at 100k within 1.5x of 1k; memory grows no faster than the DB.
//
//   node --import tsx bench/scale.ts [--iterations 100000] [--marks 1000,10000,100000] [--window 500] [--json]
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve } from '../orchestrator/loop/evolve.js';
import { writeEventsToStore } from '../orchestrator/loop/store-events.js';
import type { ProposalResult, Proposer } from '../orchestrator/proposers/types.js';
import { Store } from '../orchestrator/store/store.js';
import { FakeExecutor, knobEvaluate } from '../test/fakes/fake-executor.js';
import { fakeConfig, knobProblem } from '../test/fakes/fake-loop.js';
import { FakeSandbox } from '../test/fakes/fake-sandbox.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    marks: { type: 'string', default: '1000,10000,100000' },
    window: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
});
const iterations = Number(args.iterations);
const marks = args.marks
  .split(',')
  .map(Number)
  .filter((m) => m <= iterations);
const window = Number(args.window);

/** Instant, constant-size proposals: sets A and B from the run's RNG and tags the iteration (no growth along a lineage). */
const proposer: Proposer = {
  name: 'scripted',
  model: null,
  async propose(ctx): Promise<ProposalResult> {
    const src = ctx.parent.files['solution.py'] ?? '';
    const a = Math.floor(ctx.random() * 8);
    const b = Math.floor(ctx.random() * 3);
    const files = {
      'solution.py':
        src
          .replace(/^A = \d+/m, `A = ${a}`)
          .replace(/^B = \d+/m, `B = ${b}`)
          .replace(/^# iteration.*\n/m, '') + `# iteration ${ctx.iteration}\n`,
    };
    return {
      ok: true,
      files,
      edit: { kind: 'knobs', outcome: 'applied', summary: `A=${a} B=${b}` },
      proposer: 'scripted',
      model: null,
      costUsd: 0,
      llmCallIds: [],
    };
  },
};

const dir = mkdtempSync(path.join(tmpdir(), 'adrs-scale-'));
const dbFile = path.join(dir, 'adrs.db');
const store = Store.open(dbFile);
const bus = new RunEventBus();
writeEventsToStore(bus, store); // as the CLI does: every event goes to the event log too
const dbBytes = (): number =>
  [dbFile, `${dbFile}-wal`].reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);

const times: number[] = []; // wall time at the end of each iteration, ms
const cpu: number[] = []; // CPU time (user + system) of this process at the end of each iteration, ms
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows: {
  iterations: number;
  msPerIteration: number;
  cpuMsPerIteration: number;
  rssMiB: number;
  heapMiB: number;
  dbMiB: number;
}[] = [];
let done = 0;
bus.on('candidate:evaluated', (e) => {
  if (e.iteration === 0) return;
  done++;
  times.push(performance.now());
  cpu.push(cpuNow());
  if (!marks.includes(done)) return;
  const start = Math.max(0, done - 1 - window);
  const n = done - 1 - start;
  const mem = process.memoryUsage();
  rows.push({
    iterations: done,
    msPerIteration: (times[done - 1]! - times[start]!) / Math.max(1, n),
    cpuMsPerIteration: (cpu[done - 1]! - cpu[start]!) / Math.max(1, n),
    rssMiB: mem.rss / 2 ** 20,
    heapMiB: mem.heapUsed / 2 ** 20,
    dbMiB: dbBytes() / 2 ** 20,
  });
  if (!args.json) {
    const r = rows.at(-1)!;
    console.log(
      `${String(r.iterations).padStart(7)} iterations: ${r.msPerIteration.toFixed(3)} ms/iteration (CPU ${r.cpuMsPerIteration.toFixed(3)} ms), RSS ${r.rssMiB.toFixed(0)} MiB (heap ${r.heapMiB.toFixed(0)} MiB), database ${r.dbMiB.toFixed(0)} MiB`,
    );
  }
});

const started = performance.now();
const result = await evolve({
  store,
  problem: knobProblem(),
  sandbox: new FakeSandbox(),
  proposer,
  config: fakeConfig({ iterations, verify: false, proposalConcurrency: 1, evalConcurrency: 1 }),
  executor: new FakeExecutor(knobEvaluate),
  events: bus,
});
const wallS = (performance.now() - started) / 1000;
store.close();
const first = rows[0];
const last = rows.at(-1);
const summary = {
  iterations: result.iterations,
  wallS,
  marks: rows,
  timeRatio: first && last ? last.msPerIteration / first.msPerIteration : null,
  cpuRatio: first && last ? last.cpuMsPerIteration / first.cpuMsPerIteration : null,
  rssGrowthMiB: first && last ? last.rssMiB - first.rssMiB : null,
  dbGrowthMiB: first && last ? last.dbMiB - first.dbMiB : null,
};
if (args.json) console.log(JSON.stringify(summary));
else {
  console.log(
    `${result.iterations} iterations in ${wallS.toFixed(1)} s (${result.status}: ${result.reason})`,
  );
  if (summary.timeRatio !== null)
    console.log(
      `time per iteration, last mark / first mark: ${summary.timeRatio.toFixed(2)}x wall, ${summary.cpuRatio!.toFixed(2)}x CPU (goal <= 1.5x); ` +
        `RSS grew ${summary.rssGrowthMiB!.toFixed(0)} MiB while the database grew ${summary.dbGrowthMiB!.toFixed(0)} MiB`,
    );
}
