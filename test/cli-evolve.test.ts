import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { rewriteAnswer, startAnthropicServer, type FakeServer } from './fakes/anthropic-server.js';
import { makeKnobProblem, SEED } from './loop-fixture.js';
import { cliClean as cli } from './helpers/cli.js';

let problemDir: string;
let db: string;
beforeAll(() => {
  problemDir = makeKnobProblem({ verify: true });
  db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-cli-')), 'adrs.db');
});

describe('adrs evolve (no API key)', () => {
  let runId: string;

  it('uses the offline tuner for a problem with knobs, shows progress on stderr and a summary on stdout', async () => {
    const r = await cli(['evolve', problemDir, '--iterations', '6', '--db', db]);
    expect(r.err).not.toMatch(/adrs: /);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/proposer tune/);
    expect(r.err).toMatch(/iteration \d+\/6/);
    expect(r.out).toMatch(/run run_\w+ finished: reached 6 iterations/);
    expect(r.out).toMatch(/seed: score 0 /);
    expect(r.out).toMatch(/best: score \d/);
    expect(r.out).toMatch(/see it: adrs show cand_\w+/);
    runId = /run (run_\w+) finished/.exec(r.out)![1]!;
  });

  it('lists, shows and ranks what the run stored', async () => {
    const runs = await cli(['runs', '--db', db]);
    expect(runs.code).toBe(0);
    expect(runs.out).toContain(runId);
    expect(runs.out).toMatch(/finished\s+evolve\s+tune/);

    const show = await cli(['show', runId, '--db', db]);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/FINISHED/);
    expect(show.out).toMatch(/candidates: .*evaluated/);
    const best = /^(cand_\w+)\s/m.exec(show.out.split('\n').slice(6).join('\n'))?.[1];
    expect(best).toBeDefined();

    const cand = await cli(['show', best!, '--db', db]);
    expect(cand.code).toBe(0);
    expect(cand.out).toMatch(/edit: knobs: /);
    expect(cand.out).toMatch(/^\+(A|B) = \d/m);
    expect(cand.out).toMatch(/screen\s+ok/);

    const json = JSON.parse((await cli(['show', best!, '--db', db, '--json'])).out) as {
      evaluations: unknown[];
      patch: string;
    };
    expect(json.evaluations.length).toBeGreaterThan(0);

    const ranked = await cli(['best', 'knobs', '--db', db]);
    expect(ranked.code).toBe(0);
    expect(ranked.out).toMatch(/deterministic-heldout/);

    const missing = await cli(['show', 'nope', '--db', db]);
    expect(missing.code).toBe(3);
  });

  it('--json prints one event per line on stdout', async () => {
    const r = await cli(['evolve', problemDir, '--iterations', '3', '--db', db, '--json']);
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe('run:start');
    expect(events.at(-1)!.type).toBe('run:end');
    expect(events.filter((e) => e.type === 'candidate:evaluated')).toHaveLength(4);
    expect(r.err).toBe('');
  });

  it('without a key or knobs, exits 2 with one line saying how to configure a model', async () => {
    const dir = makeKnobProblem({ name: 'plain' });
    writeFileSync(path.join(dir, 'seed', 'solution.py'), 'A = 1\nB = 0\n');
    const r = await cli(['evolve', dir, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/ANTHROPIC_API_KEY/);
  });

  it('reads --config (YAML) and lets flags win; a bad field is named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-cfg-'));
    const file = path.join(dir, 'run.yaml');
    writeFileSync(
      file,
      'iterations: 2\nislands: 2\nselection: { exploration: 1, exploitation: 0, fitness: 0 }\n',
    );
    const r = await cli(['evolve', problemDir, '--config', file, '--iterations', '3', '--db', db, '--json']);
    expect(r.code).toBe(0);
    const id = (JSON.parse(r.out.split('\n')[0]!) as { runId: string }).runId;
    const s = Store.open(db);
    const config = JSON.parse(s.getRun(id).config_json) as {
      iterations: number;
      islands: number;
      selection: { exploration: number };
    };
    s.close();
    expect(config.iterations).toBe(3);
    expect(config.islands).toBe(2);
    expect(config.selection.exploration).toBe(1);

    writeFileSync(file, 'iterations: lots\n');
    const bad = await cli(['evolve', problemDir, '--config', file, '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/run\.yaml: field "iterations"/);
    const flag = await cli(['evolve', problemDir, '--iterations', 'x', '--db', db]);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--iterations x/);
  });
});

describe('adrs evolve with a model (fake Anthropic server)', () => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await startAnthropicServer({
      defaultAnswer: (_req, n) =>
        n >= 4
          ? 'I will not give a program this time.'
          : rewriteAnswer('solution.py', SEED.replace('A = 0', `A = ${n + 1}`), `A = ${n + 1}`),
    });
  });
  afterAll(async () => fake.close());

  it('proposes through the real SDK, records calls and spend, and survives answers without an edit', async () => {
    const r = await cli(
      ['evolve', problemDir, '--iterations', '6', '--base-url', fake.url, '--db', db, '--json'],
      {
        ANTHROPIC_API_KEY: 'sk-test',
      },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: 'run:start', proposer: expect.stringMatching(/anthropic/) });
    expect(fake.requests.length).toBeGreaterThanOrEqual(6);
    const end = events.at(-1)!;
    expect(end.type).toBe('run:end');
    expect(end.bestScore).toBeGreaterThan(0);
    const s = Store.open(db);
    const run = s.getRun(end.runId as string);
    const cands = s.listCandidates(run.id);
    const calls = cands.flatMap((c) => s.llmCallsForCandidate(c.id));
    s.close();
    expect(run.spent_usd).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(cands.some((c) => c.status === 'proposal-failed')).toBe(true);
    expect(JSON.stringify(calls)).not.toContain('sk-test');
    // The price table in force is recorded with the run.
    const prices = JSON.parse(run.config_json).prices as Record<string, { input: number; output: number }>;
    expect(prices[calls[0]!.model]?.input).toBeGreaterThan(0);
  });
});

describe('adrs evolve checks the model before the run (Models API on the fake server)', () => {
  it('an unknown model is one line and exit 2, before any proposal; a known one is checked once', async () => {
    const fake = await startAnthropicServer({
      models: ['claude-sonnet-5'],
      defaultAnswer: (_req, n) =>
        rewriteAnswer('solution.py', SEED.replace('A = 0', `A = ${n + 1}`), `A = ${n + 1}`),
    });
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'adrs-preflight-'));
      const problemDir = makeKnobProblem();
      const bad = await cli(
        [
          'evolve',
          problemDir,
          '--model',
          'claude-nonexistent-9',
          '--base-url',
          fake.url,
          '--iterations',
          '2',
          '--db',
          path.join(dir, 'a.db'),
        ],
        { ANTHROPIC_API_KEY: 'fake-ant-preflight-key' },
      );
      expect(bad.code).toBe(2);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
      expect(bad.err).toMatch(/model "claude-nonexistent-9" not found \(404\)/);
      expect(fake.modelChecks).toEqual(['claude-nonexistent-9']);
      expect(fake.requests).toHaveLength(0); // no proposal was attempted
      const good = await cli(
        [
          'evolve',
          problemDir,
          '--model',
          'claude-sonnet-5',
          '--base-url',
          fake.url,
          '--iterations',
          '2',
          '--no-verify',
          '--db',
          path.join(dir, 'b.db'),
        ],
        { ANTHROPIC_API_KEY: 'fake-ant-preflight-key' },
      );
      expect(good.code, good.err).toBe(0);
      expect(fake.modelChecks).toEqual(['claude-nonexistent-9', 'claude-sonnet-5']);
      expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    } finally {
      await fake.close();
    }
  });
});
