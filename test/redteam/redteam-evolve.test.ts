// Red team end to end: a hostile OpenAI-compatible server on 127.0.0.1 proposes cheating programs to a real
// `adrs evolve` run on OpenEvolve folders; none is VERIFIED and none appears in `adrs best` (the CLI, in-process).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../orchestrator/cli/main.js';
import { Store } from '../../orchestrator/store/store.js';
import { probeIsolation } from '../../sandboxes/local/isolation-probe.js';
import { trustDomainsIn } from '../../sandboxes/local/run-isolated.js';
import { rewriteAnswer, startOpenAiServer, type FakeServer } from '../fakes/openai-server.js';

const HOSTILE = path.join(import.meta.dirname, 'candidates');
const FOLDERS = {
  timed: path.join(import.meta.dirname, 'openevolve-timed'),
  fm: path.resolve(import.meta.dirname, '..', 'fixtures', 'peers', 'openevolve', 'function_minimization'),
};

const isolation = await probeIsolation();
const separated = trustDomainsIn(isolation);
if (!separated)
  console.warn(
    `\n*** redteam-evolve: SKIPPED: no trust domains here (${isolation.warnings.join('; ')}); run as root with unshare and python3 ***\n`,
  );

const temps: string[] = [];
let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-fake-redteam-evolve' },
    cwd: process.cwd(),
  });
  return { code, out, err };
}

/** A copy of the OpenEvolve folder (its config.yaml dropped: it names real APIs), a database and a run config. */
function setup(folder: keyof typeof FOLDERS) {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-redteam-evolve-'));
  temps.push(dir);
  const problem = path.join(dir, folder);
  cpSync(FOLDERS[folder], problem, { recursive: true, filter: (f) => !f.endsWith('config.yaml') });
  const config = path.join(dir, 'run.yaml');
  writeFileSync(config, 'iterations: 2\nevalConcurrency: 1\n');
  return { problem, db: path.join(dir, 'adrs.db'), config };
}

/** Runs `adrs evolve` fed by a server that answers every request with `hostile` as initial_program.py. */
async function evolveWith(folder: keyof typeof FOLDERS, hostile: string) {
  // As a model would answer: the seed with its EVOLVE-BLOCK replaced by the hostile code (the rest is kept).
  const seed = readFileSync(path.join(FOLDERS[folder], 'initial_program.py'), 'utf8');
  const body = readFileSync(path.join(HOSTILE, hostile), 'utf8').replace(
    /^.*EVOLVE-BLOCK-(START|END).*\n/gm,
    '',
  );
  const source = seed.replace(
    /(# EVOLVE-BLOCK-START\n)[\s\S]*?(# EVOLVE-BLOCK-END)/,
    (_m, a: string, b: string) => a + body + b,
  );
  expect(source).toContain('Red team');
  fake = await startOpenAiServer({
    defaultAnswer: () => rewriteAnswer('initial_program.py', source, 'a faster program'),
  });
  const s = setup(folder);
  const run = await cli([
    'evolve',
    s.problem,
    '--model',
    'openai:qwen2.5-coder:7b',
    '--base-url',
    fake.url,
    '--config',
    s.config,
    '--db',
    s.db,
    '--proposal-concurrency',
    '1',
  ]);
  expect(run.code, run.err + run.out).toBe(0);
  expect(fake.requests.length).toBeGreaterThan(0);
  const best = await cli(['best', s.problem, '--json', '--db', s.db]);
  expect(best.code, best.err).toBe(0);
  const store = Store.open(s.db);
  try {
    const runs = store.listRuns();
    const candidates = runs.flatMap((r) => store.listCandidates(r.id));
    // The hostile program really was proposed and evaluated (otherwise this test proves nothing).
    const hostileOnes = candidates.filter((c) => c.files_json.includes('Red team'));
    expect(hostileOnes.length, JSON.stringify(candidates.map((c) => c.status))).toBeGreaterThan(0);
    const evaluations = hostileOnes.flatMap((c) => store.listEvaluations(c.id));
    expect(evaluations.length).toBeGreaterThan(0);
    const verdicts = hostileOnes.map((c) => store.latestVerdict(c.id)).filter((v) => v !== undefined);
    return { best: JSON.parse(best.out) as { candidate: string }[], hostileOnes, evaluations, verdicts };
  } finally {
    store.close();
  }
}

describe.runIf(separated || process.env.CI === 'true')(
  'red team through adrs evolve and a hostile LLM server',
  () => {
    it('a program that patches the evaluator clock through sys.modules past the guard is timed as slow, never best', async () => {
      const r = await evolveWith('timed', 'oe-timer-evade.py');
      const ids = new Set(r.hostileOnes.map((c) => c.id));
      expect(r.best.filter((b) => ids.has(b.candidate))).toEqual([]);
      expect(r.verdicts.filter((v) => v.verified === 1)).toEqual([]);
      // The evaluator's own clock saw every slow call: no evaluation of it measured under 0.25 s.
      const times = r.evaluations
        .filter((e) => e.status === 'ok')
        .map((e) => (JSON.parse(e.metrics_json) as { time_s?: number }).time_s ?? 0);
      expect(
        times.length,
        JSON.stringify(
          r.evaluations.map((e) => [
            e.stage,
            e.status,
            e.reason,
            e.feedback.slice(0, 300),
            e.stderr_tail.slice(-300),
          ]),
        ),
      ).toBeGreaterThan(0);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(0.25);
    }, 300_000);

    it('a program that forges ADRS_RESULT from every environ and exits is never correct, verified or best', async () => {
      const r = await evolveWith('fm', 'oe-forge-result.py');
      const ids = new Set(r.hostileOnes.map((c) => c.id));
      expect(r.best.filter((b) => ids.has(b.candidate))).toEqual([]);
      expect(r.verdicts.filter((v) => v.verified === 1)).toEqual([]);
      for (const e of r.evaluations) {
        expect(e.correct, e.feedback).not.toBe(1);
        expect(e.feedback + e.stdout_tail).not.toMatch(/FORGED|LEAKED/);
        expect(e.score ?? 0).toBeLessThan(100);
      }
    }, 300_000);
  },
);
