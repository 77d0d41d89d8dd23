import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { redactSecrets, sandboxEnv } from '../core/secrets.js';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve } from '../orchestrator/loop/index.js';
import { Store } from '../orchestrator/store/store.js';
import { duplicatingProposer } from './fakes/duplicating-proposer.js';
import { startEmbeddingsServer } from './fakes/embeddings-server.js';
import { fakeConfig, fakeEvolve, tempDbPath } from './fakes/fake-loop.js';
import { startOpenAiServer } from './fakes/openai-server.js';

describe('secrets', () => {
  const host = {
    LANG: 'C.UTF-8',
    ANTHROPIC_API_KEY: 'fake-ant-planted-123456',
    MY_SECRET_TOKEN: 'tok-planted-987654',
    AWS_REGION: 'eu-west-1',
    HOME: '/root',
    PATH: '/usr/bin',
  };

  it('passes only allow-listed names and never a secret-looking one', () => {
    const env = sandboxEnv(host, { ADRS_STAGE: 'screen', OPENAI_API_KEY: 'x' }, [
      'LANG',
      'AWS_REGION',
      'MY_SECRET_TOKEN',
    ]);
    expect(env).toEqual({ LANG: 'C.UTF-8', ADRS_STAGE: 'screen' });
  });

  it('redacts the values of secret variables from text', () => {
    const text = redactSecrets('key=fake-ant-planted-123456 and tok-planted-987654 and eu-west-1', host);
    expect(text).not.toContain('fake-ant-planted');
    expect(text).not.toContain('tok-planted');
    expect(text).toContain('[redacted:ANTHROPIC_API_KEY]');
  });
});

describe('secrets of the novelty embeddings and judge', () => {
  const EMBED_ENV = 'ADRS_SECRETS_EMBED_KEY';
  const JUDGE_ENV = 'ADRS_SECRETS_JUDGE_KEY';
  const embedKey = 'sk-embed-secret-planted-77aa88bb';
  const judgeKey = 'sk-judge-secret-planted-99cc00dd';
  const closers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c.close()));
    delete process.env[EMBED_ENV];
    delete process.env[JUDGE_ENV];
  });

  it('never lets a Voyage or embeddings key into a sandbox, even allow-listed', () => {
    const env = sandboxEnv({ VOYAGE_API_KEY: 'pa-planted-1234567', [EMBED_ENV]: embedKey }, {}, [
      'VOYAGE_API_KEY',
      EMBED_ENV,
    ]);
    expect(env).toEqual({});
  });

  it('keeps both keys out of the database and the warnings, even when a server quotes the key back', async () => {
    // Session 1: embeddings and judge both answer (the judge rejects what the embeddings flag).
    // Session 2: the embeddings server wants another key and quotes the one it got in its 401 (a careless server).
    const good = await startEmbeddingsServer({ dialect: 'voyage', key: embedKey });
    const careless = await startEmbeddingsServer({ dialect: 'voyage', key: 'the-right-one', echoKey: true });
    const judge = await startOpenAiServer({ defaultAnswer: () => '{"novel": false, "reason": "same"}' });
    closers.push(good, careless, judge);
    process.env[EMBED_ENV] = embedKey;
    process.env[JUDGE_ENV] = judgeKey;
    const dbPath = tempDbPath();
    const store = Store.open(dbPath);
    const warnings: string[] = [];
    for (const server of [good, careless]) {
      const bus = new RunEventBus();
      bus.onAny((e) => {
        if (e.type === 'run:warning') warnings.push(e.message);
      });
      const config = fakeConfig({
        iterations: 6,
        proposalConcurrency: 1,
        evalConcurrency: 1,
        novelty: {
          enabled: true,
          // Flags every proposal, so the judge is asked each time.
          embeddings: {
            provider: 'voyage',
            // Another model in session 2, or the vectors stored in session 1 would answer without a request.
            model: server === good ? 'voyage-code-3' : 'voyage-3',
            baseUrl: server.url,
            apiKeyEnv: EMBED_ENV,
            threshold: 0.01,
          },
          judge: { model: 'judge-model', provider: 'openai', baseUrl: judge.url, apiKeyEnv: JUDGE_ENV },
        },
      });
      await evolve(fakeEvolve(store, duplicatingProposer(), { config, events: bus }));
    }
    // The keys did reach the servers (so the test could fail), and one came back in an error body.
    expect(good.requests[0]?.authorization).toBe(`Bearer ${embedKey}`);
    expect(judge.requests.length).toBeGreaterThan(0);
    expect(judge.requests[0]!.headers.authorization).toBe(`Bearer ${judgeKey}`);
    const failed = store.db
      .prepare("SELECT error FROM llm_calls WHERE model = 'voyage-3' AND status = 'error'")
      .get() as { error: string };
    expect(failed.error).toMatch(/HTTP 401: .*Incorrect API key provided: Bearer \[redacted\]/);
    expect(warnings.some((w) => w.includes('novelty embeddings failed'))).toBe(true);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const bytes = readFileSync(dbPath).toString('latin1');
    for (const key of [embedKey, judgeKey]) {
      expect(bytes).not.toContain(key);
      for (const w of warnings) expect(w).not.toContain(key);
    }
  });
});
