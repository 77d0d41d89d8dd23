// Benchmark: how busy the evaluation slots stay when the model is slow. A fake Anthropic server answers after a
// fixed delay; candidates are evaluated by a real evaluator (local sandbox) that takes a fixed time; two slots.
// Prints, per proposal concurrency, the fraction of wall time the evaluation slots were busy (goal >= 90%).
//
//   node --import tsx bench/pipeline-utilization.ts [--delay-ms 400] [--eval-s 0.2] [--iterations 40] [--json]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseRunConfig } from '../orchestrator/config/load-config.js';
import { evolve } from '../orchestrator/loop/evolve.js';
import { createProposer } from '../orchestrator/proposers/index.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import { rewriteAnswer, startAnthropicServer } from '../test/fakes/anthropic-server.js';
import { makeKnobProblem, SEED } from '../test/loop-fixture.js';

const { values: args } = parseArgs({
  options: {
    'delay-ms': { type: 'string', default: '400' },
    'eval-s': { type: 'string', default: '0.2' },
    iterations: { type: 'string', default: '40' },
    json: { type: 'boolean', default: false },
  },
});
const delayMs = Number(args['delay-ms']);
const evalS = Number(args['eval-s']);
const iterations = Number(args.iterations);

const fake = await startAnthropicServer({
  delayMs,
  defaultAnswer: (_req, n) =>
    rewriteAnswer(
      'solution.py',
      SEED.replace('A = 0', `A = ${n % 8}`).replace(
        '# EVOLVE-BLOCK-END',
        `# variant ${n}\n# EVOLVE-BLOCK-END`,
      ),
      `variant ${n}`,
    ),
});
const problem = loadProblem(makeKnobProblem({ evalSleepS: evalS, name: 'bench' }));
const sandbox = await createSandbox('local');
const rows: {
  proposalConcurrency: number;
  utilization: number;
  wallS: number;
  evaluations: number;
  evalsPerMin: number;
}[] = [];
try {
  for (const proposalConcurrency of [1, 2, 4, 8]) {
    const store = Store.open(path.join(mkdtempSync(path.join(tmpdir(), 'adrs-bench-')), 'adrs.db'));
    const proposer = await createProposer(
      { kind: 'anthropic', model: 'claude-haiku-4-5', baseURL: fake.url },
      { env: { ANTHROPIC_API_KEY: 'sk-bench' } },
    );
    const config = parseRunConfig({
      proposer: 'anthropic',
      iterations,
      evalConcurrency: 2,
      proposalConcurrency,
      verify: false,
    });
    const r = await evolve({ store, problem, sandbox, proposer, config });
    store.close();
    const p = r.pipeline!;
    rows.push({
      proposalConcurrency,
      utilization: p.utilization,
      wallS: p.wallMs / 1000,
      evaluations: p.evaluations,
      evalsPerMin: p.evaluations / (p.wallMs / 60_000),
    });
  }
} finally {
  await sandbox.dispose();
  await fake.close();
}
if (args.json) console.log(JSON.stringify({ delayMs, evalS, iterations, evalSlots: 2, rows }));
else {
  console.log(
    `model delay ${delayMs} ms, evaluation ~${evalS * 1000} ms + sandbox start, 2 evaluation slots, ${iterations} iterations`,
  );
  console.log('proposal-concurrency  slots-busy  wall      evals/min');
  for (const r of rows)
    console.log(
      `${String(r.proposalConcurrency).padEnd(22)}${(r.utilization * 100).toFixed(1).padStart(5)}%     ${r.wallS.toFixed(1).padStart(5)} s  ${r.evalsPerMin.toFixed(0).padStart(6)}`,
    );
}
