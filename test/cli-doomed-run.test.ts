// A doomed run stops: the same refused request 3 times, or a fatal 404 mid-run, exits 1 with one line naming the
// cause and the fix; the run resumes once fixed. A budget with an unpriced model is refused (exit 2).
// Through the CLI in-process, the real SDK and the fake Anthropic / OpenAI servers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import {
  httpError,
  lastUserText,
  rewriteAnswer,
  startAnthropicServer,
  type FakeServer,
  type FakeStep,
} from './fakes/anthropic-server.js';
import { startOpenAiServer } from './fakes/openai-server.js';
import { makeKnobProblem, SEED } from './loop-fixture.js';
import { cliClean as cli } from './helpers/cli.js';

const KEY = { ANTHROPIC_API_KEY: 'fake-ant-doomed-0123456789' };
const good = (n: number): string =>
  rewriteAnswer('solution.py', SEED.replace('A = 0', `A = ${n + 1}`), `A = ${n + 1}`);
let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function setup(config = '') {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-doomed-'));
  const file = path.join(dir, 'run.yaml');
  writeFileSync(file, config || 'iterations: 8\n');
  return { problem: makeKnobProblem(), db: path.join(dir, 'adrs.db'), config: file };
}
const base = (s: ReturnType<typeof setup>, url: string) => [
  'evolve',
  s.problem,
  '--base-url',
  url,
  '--config',
  s.config,
  '--db',
  s.db,
  '--proposal-concurrency',
  '1',
  '--no-verify',
];

describe('a doomed run stops', () => {
  it('the same refusal 3 times in a row (max_tokens above the model limit): exit 1, one line with cause and fix', async () => {
    fake = await startAnthropicServer({ defaultAnswer: (_r, n) => good(n) });
    const s = setup('iterations: 8\nmaxTokens: 200000\n');
    const r = await cli(base(s, fake.url), KEY);
    expect(r.code).toBe(1);
    expect(fake.requests).toHaveLength(3); // the fake refuses each one (documented 400); no more are sent
    expect(fake.requests[0]!.body.stream).toBe(true); // 200000 is above the SDK's non-streaming limit
    const line = r.out.split('\n').find((l) => l.startsWith('run '))!;
    expect(line).toMatch(
      /failed: proposer: 3 proposals in a row failed with the same error: .*request refused \(400\): max_tokens: 200000 > 128000.*; fix: lower maxOutputTokens/,
    );
    expect(r.out).toMatch(/once that is fixed, continue: adrs resume run_\w+/);
    const st = Store.open(s.db);
    const run = st.listRuns()[0]!;
    st.close();
    expect(run.status).toBe('failed');
    // Fixed in a config laid over the saved one, the run resumes and finishes.
    writeFileSync(s.config, 'maxTokens: 8000\n');
    const fixed = await cli(['resume', run.id, '--config', s.config, '--db', s.db, '--no-verify'], KEY);
    expect(fixed.code, fixed.err + fixed.out).toBe(0);
    expect(fake.requests.at(-1)!.body.max_tokens).toBe(8000);
    expect(fixed.out).toMatch(new RegExp(`run ${run.id} finished: reached 8 iterations`));
  });

  it('a spent credit stops the run; once topped up, resume continues it, and the refusals are not in its prompts', async () => {
    const credit = httpError(400, {
      message:
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
    });
    const script: FakeStep[] = [{ kind: 'answer', text: good(0) }, credit, credit, credit];
    fake = await startAnthropicServer({ script, defaultAnswer: (_r, n) => good(n) });
    const s = setup('iterations: 6\n');
    const first = await cli(base(s, fake.url), KEY);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/credit balance is too low.*; fix: raise the account's spend limit or credit/);
    const runId = /run (run_\w+) failed/.exec(first.out)![1]!;
    const sent = fake.requests.length;
    const again = await cli(['resume', runId, '--db', s.db, '--proposal-concurrency', '1'], KEY);
    expect(again.code, again.err + again.out).toBe(0);
    expect(again.out).toMatch(new RegExp(`run ${runId} finished`));
    expect(again.out).toMatch(/cache: \d+% of input tokens read from cache/);
    const later = fake.requests.slice(sent).map(lastUserText).join('\n');
    expect(later.length).toBeGreaterThan(0);
    expect(later).not.toMatch(/credit balance|request refused/);
  });

  it('a fatal 404 in the middle of a run exits 1 too', async () => {
    fake = await startAnthropicServer({
      script: [
        { kind: 'answer', text: good(0) },
        { kind: 'answer', text: good(1) },
        httpError(404, { message: 'model: claude-sonnet-5' }),
      ],
      defaultAnswer: (_r, n) => good(n),
    });
    const s = setup('iterations: 6\n');
    const r = await cli(base(s, fake.url), KEY);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/failed: proposer: .*model "claude-sonnet-5" not found \(404\)/);
    expect(fake.requests).toHaveLength(3);
  });
});

describe('retryable errors', () => {
  it('show each backoff in the progress view, and an outage longer than outageLimitS stops the run (exit 1)', async () => {
    const busy: FakeStep = {
      kind: 'error',
      status: 529,
      type: 'overloaded_error',
      message: 'Overloaded',
      headers: { 'retry-after': '0' },
    };
    fake = await startAnthropicServer({ defaultAnswer: () => busy });
    const s = setup('iterations: 8\noutageLimitS: 0.001\n');
    const r = await cli(base(s, fake.url), KEY);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /warning: anthropic:claude-sonnet-5: .*overloaded \(529\).*retrying in 0 ms \(attempt 2 of 5\)/,
    );
    expect(r.out).toMatch(
      /failed: proposer: the provider has failed every proposal for \d+ s, retries included \(outageLimitS 0.001\)/,
    );
    expect(fake.requests).toHaveLength(10); // two proposals of 5 attempts each
  });
});

describe('no unpriced spending', () => {
  it('a budget with a model of no known price is refused in one line (exit 2) unless prices gives one', async () => {
    fake = await startOpenAiServer({ defaultAnswer: (_r, n) => good(n) });
    const s = setup('iterations: 1\n');
    const args = ['evolve', s.problem, '--model', 'openai:qwen2.5-coder:7b', '--base-url', fake.url];
    const refused = await cli([...args, '--budget-usd', '1', '--db', s.db, '--config', s.config]);
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(/--budget-usd 1: no price is known for model "qwen2.5-coder:7b".*prices:/);
    expect(fake.requests).toHaveLength(0);
    writeFileSync(s.config, 'iterations: 1\nprices:\n  qwen2.5-coder:7b: { input: 0, output: 0 }\n');
    const priced = await cli([
      ...args,
      '--budget-usd',
      '1',
      '--db',
      s.db,
      '--config',
      s.config,
      '--no-verify',
    ]);
    expect(priced.code, priced.err).toBe(0);
    expect(fake.requests.length).toBeGreaterThan(0);
  });
});
