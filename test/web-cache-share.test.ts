// The run API and the run page show the share of input tokens read from the prompt cache.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../web/src/app.js';
import type { RunSummary } from '../web/src/run-summary.js';
import { listen, seedDb, type SeededDb } from './helpers/seed-db.js';

let db: SeededDb;
let server: { url: string; close(): Promise<void> };
beforeEach(async () => {
  db = seedDb();
  server = await listen(createApp({ store: db.store, pollMs: 25 }));
});
afterEach(async () => {
  await server.close();
  db.cleanup();
});

describe('cache share of a run', () => {
  it('is cache reads over all input tokens (normal, read, written), in the API and on the page', async () => {
    const run = db.runs.finished;
    const before = (await (await fetch(`${server.url}/api/runs/${run}`)).json()) as RunSummary;
    const input = before.spend.input_tokens;
    expect(before.spend.cache_read_tokens).toBe(0);
    expect(before.spend.cache_share).toBe(0);
    db.store.insertLlmCall({
      runId: run,
      provider: 'anthropic',
      model: 'claude-sonnet-5',
      status: 'ok',
      inputTokens: 0,
      outputTokens: 10,
      cacheReadTokens: 3 * input,
      cacheWriteTokens: 0,
      prompt: {},
    });
    const after = (await (await fetch(`${server.url}/api/runs/${run}`)).json()) as RunSummary;
    expect(after.spend.cache_read_tokens).toBe(3 * input);
    expect(after.spend.cache_share).toBeCloseTo(0.75, 10);
    const page = await (await fetch(`${server.url}/runs/${run}`)).text();
    expect(page).toMatch(/75%[\s\S]{0,200}of input tokens read from cache/);
  });

  it('is null for a run without LLM calls (shown as a dash)', async () => {
    const id = db.store.createRun({
      problemName: 'matmul-cpu',
      problemHash: 'h-matmul',
      strategy: 'evolve',
      proposer: 'tune',
      sandbox: 'local',
      config: {},
    }).id;
    const body = (await (await fetch(`${server.url}/api/runs/${id}`)).json()) as RunSummary;
    expect(body.spend.cache_share).toBeNull();
  });
});
