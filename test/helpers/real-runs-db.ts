// A database made by real runs of the CLI (no hand-written rows): an offline tuner run, a best-of-n run and an
// evolve run whose proposals come from the real Anthropic SDK pointed at a fake server on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rewriteAnswer, startAnthropicServer } from '../fakes/anthropic-server.js';
import { makeKnobProblem, makeTradeOffProblem, SEED } from '../loop-fixture.js';
import { cliClean } from './cli.js';

export interface RealRunsDb {
  dbFile: string;
  problemDir: string;
  runs: { tune: string; bestOfN: string; llm: string };
  /** A tuner run of a two-objective problem (quality against time): the run page shows its Pareto front. */
  paretoRun: string;
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }>;
  cleanup(): void;
}

const runIdOf = (out: string): string => {
  const m = /run (run_\w+) (finished|stopped)/.exec(out) ?? /"runId":"(run_\w+)"/.exec(out);
  if (!m) throw new Error(`no run id in CLI output:\n${out.slice(0, 2000)}`);
  return m[1]!;
};

/** The edit a model makes: set A (and B), with the knob problem's score A + 2*B; B = 3 fails its check. */
const setKnobs = (a: number, b: number): string =>
  rewriteAnswer(
    'solution.py',
    SEED.replace('A = 0', `A = ${a}`).replace('B = 0', `B = ${b}`),
    `A = ${a}, B = ${b}`,
  );

export async function makeRealRunsDb(): Promise<RealRunsDb> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-real-runs-'));
  const dbFile = path.join(dir, 'adrs.db');
  const problemDir = makeKnobProblem({ verify: true, name: 'knobs-web' });
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => cliClean([...args, '--db', dbFile], env);
  const fail = (what: string, r: { code: number; out: string; err: string }): never => {
    throw new Error(`${what} exited ${r.code}:\n${r.err.slice(-2000)}\n${r.out.slice(-2000)}`);
  };

  const tune = await cli(['evolve', problemDir, '--iterations', '8', '--seed', '7']);
  if (tune.code !== 0) fail('tuner run', tune);
  const tradeOffDir = makeTradeOffProblem('tradeoff-web');
  const pareto = await cli(['evolve', tradeOffDir, '--iterations', '12', '--seed', '5']);
  if (pareto.code !== 0) fail('two-objective tuner run', pareto);

  // Answers by request number: improvements, one incorrect (B = 3), one without any edit.
  const answers = [setKnobs(1, 0), setKnobs(2, 1), setKnobs(3, 3), 'No program this time.', setKnobs(5, 2)];
  const fake = await startAnthropicServer({
    defaultAnswer: (_req, n) => answers[n % answers.length]!,
  });
  const env = { ANTHROPIC_API_KEY: 'sk-test-web' };
  try {
    const bon = await cli(
      ['evolve', problemDir, '--strategy', 'best-of-n', '--iterations', '5', '--base-url', fake.url],
      env,
    );
    if (bon.code !== 0) fail('best-of-n run', bon);
    const llm = await cli(['evolve', problemDir, '--iterations', '6', '--base-url', fake.url], env);
    if (llm.code !== 0) fail('LLM run', llm);
    return {
      dbFile,
      problemDir,
      runs: { tune: runIdOf(tune.out), bestOfN: runIdOf(bon.out), llm: runIdOf(llm.out) },
      paretoRun: runIdOf(pareto.out),
      cli,
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
        rmSync(problemDir, { recursive: true, force: true });
        rmSync(tradeOffDir, { recursive: true, force: true });
      },
    };
  } finally {
    await fake.close();
  }
}
