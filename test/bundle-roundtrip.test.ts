// The round trip a user makes: evolve (with a model behind a fake Anthropic server and a planted key in the
// environment), export the verified best, re-verify the bundle against a fresh database, import it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { rewriteAnswer, startAnthropicServer, type FakeServer } from './fakes/anthropic-server.js';
import { makeKnobProblem, SEED } from './loop-fixture.js';
import { cli as runAdrs } from './helpers/cli.js';

const PLANTED = 'fake-ant-api03-PLANTED-roundtrip-0123456789abcdef';
let fake: FakeServer;
let dir: string;
let problemDir: string;

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runAdrs(args, { env: { ...process.env, ...env }, cwd: dir });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'adrs-roundtrip-'));
  problemDir = makeKnobProblem({ verify: true, name: 'roundtrip-knobs' });
  fake = await startAnthropicServer({
    defaultAnswer: (_req, n) =>
      rewriteAnswer('solution.py', SEED.replace('A = 0', `A = ${Math.min(n + 1, 7)}`), `A = ${n + 1}`),
  });
});
afterAll(async () => fake.close());

describe('evolve -> export -> verify on a fresh database', () => {
  it('the verdicts agree, and the bundle holds no secret from the run', async () => {
    const db = path.join(dir, 'run.db');
    const run = await cli(
      ['evolve', problemDir, '--iterations', '3', '--base-url', fake.url, '--db', db, '--json'],
      { ANTHROPIC_API_KEY: PLANTED, MY_SERVICE_TOKEN: 'tok-PLANTED-abcdef123456' },
    );
    expect(run.code, run.err).toBe(0);
    // The key went to the model server (that is how the SDK authenticates) ...
    expect(JSON.stringify(fake.requests.map((r) => r.headers))).toContain(PLANTED);
    const store = Store.open(db);
    const best = store.listRuns(1)[0]!.best_verified_candidate_id;
    expect(best).not.toBeNull();
    expect(store.llmCallsForCandidate(best!).length).toBeGreaterThan(0);
    store.close();

    const bundle = path.join(dir, 'best.tar.gz');
    const exp = await cli(['export', best!, '-o', bundle, '--db', db]);
    expect(exp.code, exp.err).toBe(0);
    // ... and nowhere into the bundle: not the key, not the token, not in compressed or plain form.
    const plain = execFileSync('sh', ['-c', `gzip -dc '${bundle}'`]);
    expect(plain.includes(Buffer.from(PLANTED))).toBe(false);
    expect(plain.includes(Buffer.from('tok-PLANTED'))).toBe(false);
    expect(plain.includes(Buffer.from('transcript.jsonl'))).toBe(true);

    const fresh = path.join(dir, 'fresh.db');
    // Imported first: the bundle's VERIFIED is a claim, not in `adrs best` until verify here agrees.
    const imp = await cli(['import', bundle, '--db', fresh]);
    expect(imp.code, imp.err).toBe(0);
    const s1 = Store.open(fresh);
    expect(s1.bestVerified('roundtrip-knobs')).toHaveLength(0);
    s1.close();
    const ver = await cli(['verify', bundle, '--problem', problemDir, '--json'], { ADRS_DB: fresh });
    expect(ver.code, ver.err).toBe(0);
    const v = JSON.parse(ver.out.trim());
    expect(v.recorded.verified).toBe(true);
    expect(v.now.verified).toBe(true);
    expect(v.agrees).toBe(true);
    const s2 = Store.open(fresh);
    expect(s2.bestVerified('roundtrip-knobs').map((r) => r.candidate_id)).toEqual([imp.out.trim()]);
    s2.close();
  });
});
