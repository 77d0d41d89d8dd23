// Novelty by embeddings and the LLM judge, through fake servers on 127.0.0.1 that speak the real wire formats: the
// `openai` SDK's embeddings.create and Voyage's REST API, the request shapes, the threshold, judge rescue and judge
// rejection, an endpoint that is down (the token check alone, one warning), resume without re-embedding, and spend.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { evolve } from '../orchestrator/loop/index.js';
import { cosine, createEmbedder } from '../orchestrator/proposers/embeddings.js';
import type { EditRecord } from '../orchestrator/proposers/types.js';
import { RunEventBus, type RunEvent } from '../orchestrator/events.js';
import type { RunConfigInput } from '../orchestrator/config/run-config.js';
import { Store } from '../orchestrator/store/store.js';
import { duplicatingProposer } from './fakes/duplicating-proposer.js';
import {
  bagOfWords,
  ignoresUnused,
  startEmbeddingsServer,
  type EmbeddingsServer,
} from './fakes/embeddings-server.js';
import { fakeConfig, fakeEvolve, tempDbPath } from './fakes/fake-loop.js';
import {
  lastChatUserText,
  rewriteAnswer,
  startOpenAiServer,
  type FakeServer,
} from './fakes/openai-server.js';
import { SEED } from './loop-fixture.js';
import { createProposer } from '../orchestrator/proposers/index.js';
import { JUDGE_SYSTEM, parseVerdict } from '../orchestrator/prompts/novelty-judge-prompt.js';

const KEY_ENV = 'ADRS_TEST_EMBED_KEY';
const KEY = 'sk-embed-planted-5f1e2d3c4b5a';
const JUDGE_KEY_ENV = 'ADRS_TEST_JUDGE_KEY';
const JUDGE_KEY = 'sk-judge-planted-9a8b7c6d5e4f';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  delete process.env[KEY_ENV];
  delete process.env[JUDGE_KEY_ENV];
});

async function embeddingsServer(dialect: 'openai' | 'voyage' = 'openai'): Promise<EmbeddingsServer> {
  const s = await startEmbeddingsServer({ dialect, key: KEY, embed: ignoresUnused });
  servers.push(s);
  return s;
}

async function judgeServer(novel: boolean): Promise<FakeServer> {
  const s = await startOpenAiServer({
    defaultAnswer: () =>
      `\`\`\`json\n{"novel": ${novel}, "reason": "${novel ? 'a new constant is a real change' : 'only an unused constant'}"}\n\`\`\``,
  });
  servers.push(s);
  return s;
}

const editOf = (c: { edit_json: string | null }): EditRecord => JSON.parse(c.edit_json!) as EditRecord;

async function runLoop(
  novelty: NonNullable<RunConfigInput['novelty']>,
  opts: { iterations?: number; store?: Store; resumeRunId?: string; prices?: RunConfigInput['prices'] } = {},
) {
  const store = opts.store ?? Store.open(tempDbPath());
  const proposer = duplicatingProposer();
  const events: RunEvent[] = [];
  const bus = new RunEventBus();
  bus.onAny((e) => events.push(e));
  const config = fakeConfig({
    iterations: opts.iterations ?? 20,
    proposalConcurrency: 1,
    evalConcurrency: 1,
    novelty: { enabled: true, retries: 0, ...novelty },
    ...(opts.prices ? { prices: opts.prices } : {}),
  });
  const r = await evolve(
    fakeEvolve(store, proposer, {
      config,
      events: bus,
      ...(opts.resumeRunId ? { resumeRunId: opts.resumeRunId } : {}),
    }),
  );
  const cands = store.listCandidates(r.runId).filter((c) => c.iteration !== 0);
  const warnings = events.flatMap((e) => (e.type === 'run:warning' ? [e.message] : []));
  return { store, proposer, r, cands, warnings };
}

describe('embedding clients against the fake servers', () => {
  it('openai SDK: posts model and the inputs with the bearer key, reads vectors in input order, counts tokens and dollars', async () => {
    const s = await embeddingsServer('openai');
    const e = createEmbedder(
      {
        provider: 'openai',
        model: 'text-embedding-3-small',
        baseUrl: s.url,
        apiKeyEnv: KEY_ENV,
        timeoutMs: 30_000,
      },
      { [KEY_ENV]: KEY },
    );
    const r = await e.embed(['alpha beta', 'gamma', 'alpha beta']);
    expect(s.requests).toHaveLength(1);
    const req = s.requests[0]!;
    expect(req.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['alpha beta', 'gamma', 'alpha beta'],
      encoding_format: 'float',
    });
    expect(r.vectors).toHaveLength(3);
    expect(r.vectors[0]).toEqual(bagOfWords('alpha beta'));
    expect(cosine(r.vectors[0]!, r.vectors[2]!)).toBeCloseTo(1, 12);
    expect(cosine(r.vectors[0]!, r.vectors[1]!)).toBeLessThan(0.99);
    // 3 + 2 + 3 tokens at the list price of text-embedding-3-small, $0.02 per million.
    expect(r.tokens).toBe(8);
    expect(r.costUsd).toBeCloseTo((8 * 0.02) / 1e6, 15);
  });

  it('voyage REST: posts {input, model, input_type: document}; a refused key is an error that never echoes it', async () => {
    const s = await embeddingsServer('voyage');
    const e = createEmbedder(
      {
        provider: 'voyage',
        model: 'voyage-code-3',
        baseUrl: s.url,
        apiKeyEnv: KEY_ENV,
        timeoutMs: 30_000,
        priceUsdPerMTok: 0.18,
      },
      { [KEY_ENV]: KEY },
    );
    const r = await e.embed(['x = 1', 'y = 2']);
    expect(s.requests[0]!.body).toEqual({
      input: ['x = 1', 'y = 2'],
      model: 'voyage-code-3',
      input_type: 'document',
    });
    expect(s.requests[0]!.authorization).toBe(`Bearer ${KEY}`);
    expect(r.vectors.map((v) => v.length)).toEqual([256, 256]);
    expect(r.tokens).toBe(4);
    expect(r.costUsd).toBeCloseTo((4 * 0.18) / 1e6, 15);
    const wrong = 'sk-wrong-planted-000111222';
    const bad = createEmbedder(
      { provider: 'voyage', model: 'voyage-code-3', baseUrl: s.url, apiKeyEnv: KEY_ENV, timeoutMs: 30_000 },
      { [KEY_ENV]: wrong },
    );
    const err = await bad.embed(['x']).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(err?.message).toMatch(
      /voyage embeddings \(http:\/\/127\.0\.0\.1:\d+\/v1, model voyage-code-3\): HTTP 401/,
    );
    expect(err?.message).not.toContain(wrong);
  });

  it('names the missing key variable for the hosted endpoints', () => {
    expect(() =>
      createEmbedder({ provider: 'voyage', model: 'voyage-code-3', timeoutMs: 1_000 }, {}),
    ).toThrow(/no API key: set VOYAGE_API_KEY/);
    expect(() =>
      createEmbedder({ provider: 'openai', model: 'text-embedding-3-small', timeoutMs: 1_000 }, {}),
    ).toThrow(/no API key: set OPENAI_API_KEY/);
  });

  it('reads the judge verdict from JSON, fenced or not, and nothing else', () => {
    expect(parseVerdict('```json\n{"novel": false, "reason": "same"}\n```')).toEqual({
      novel: false,
      reason: 'same',
    });
    expect(parseVerdict('Sure. {"novel": true, "reason": "new loop"} done')).toEqual({
      novel: true,
      reason: 'new loop',
    });
    expect(parseVerdict('{"novel": "yes"}')).toBeUndefined();
    expect(parseVerdict('novel')).toBeUndefined();
  });
});

describe('novelty config for embeddings and the judge', () => {
  it('defaults the threshold to 0.99 and refuses a judge without embeddings in one line', () => {
    const c = fakeConfig({
      novelty: { enabled: true, embeddings: { provider: 'voyage', model: 'voyage-code-3' } },
    });
    expect(c.novelty.embeddings?.threshold).toBe(0.99);
    expect(() => fakeConfig({ novelty: { judge: {} } })).toThrow(/novelty\.judge needs novelty\.embeddings/);
    expect(() =>
      fakeConfig({ novelty: { embeddings: { provider: 'cohere', model: 'x' } as never } }),
    ).toThrow(/novelty\.embeddings\.provider/);
  });
});

describe('embeddings novelty in the loop', () => {
  it('runs after the token check and rejects what the embeddings call identical; its spend counts', async () => {
    const s = await embeddingsServer('openai');
    process.env[KEY_ENV] = KEY;
    const { cands, r, store, proposer } = await runLoop(
      {
        embeddings: {
          provider: 'openai',
          model: 'fake-embed',
          baseUrl: s.url,
          apiKeyEnv: KEY_ENV,
          priceUsdPerMTok: 1_000,
        },
      },
      { iterations: 20 },
    );
    const byCheck = (check: string) =>
      cands.filter((c) => c.status === 'duplicate' && editOf(c).novelty?.check === check);
    // The token check caught the comment and layout edits, and those never reached the endpoint.
    // (At least those: a win that recreates an existing program is a token duplicate too.)
    expect(byCheck('tokens').length).toBeGreaterThanOrEqual(
      proposer.steps.filter((x) => x.startsWith('dup')).length,
    );
    expect(s.inputs.some((t) => t.includes('# try'))).toBe(false);
    // Every neutral step (a new unused constant) was rejected by the embeddings at cosine 1.
    const neutral = proposer.steps.filter((x) => x === 'neutral').length;
    expect(neutral).toBeGreaterThan(0);
    expect(byCheck('embedding')).toHaveLength(neutral);
    for (const c of byCheck('embedding')) {
      expect(editOf(c).novelty!.similarity).toBeGreaterThanOrEqual(0.99);
      expect(editOf(c).summary).toMatch(
        /^rejected: near-duplicate of \S+ \(embedding similarity 1\.0000\): adds UNUSED_/,
      );
    }
    // Visible: `adrs show CANDIDATE` says which check rejected it and at what similarity.
    let shown = '';
    const code = await runCli(['show', byCheck('embedding')[0]!.id, '--db', store.path], {
      stdout: { write: (t: string) => (shown += t) },
      stderr: { write: () => {} },
      env: { PATH: process.env.PATH },
      cwd: process.cwd(),
    });
    expect(code).toBe(0);
    expect(shown).toMatch(/DUPLICATE/);
    expect(shown).toMatch(/edit: rejected: near-duplicate of \S+ \(embedding similarity 1\.0000\)/);
    // Wins and breakages were embedded and evaluated.
    const evaluated = cands.filter((c) => !['duplicate', 'proposal-failed'].includes(c.status));
    expect(evaluated.length + byCheck('tokens').length + byCheck('embedding').length).toBe(
      proposer.steps.length,
    );
    expect(evaluated.some((c) => /^A \d+->\d+$/.test(editOf(c).summary))).toBe(true);
    // Each embedding request is an llm_calls row; their dollars are in the run's spend with the proposals'.
    const calls = store.db
      .prepare(
        "SELECT provider, model, input_tokens, cost_usd, prompt_json FROM llm_calls WHERE run_id = ? AND model = 'fake-embed'",
      )
      .all(r.runId) as { provider: string; input_tokens: number; cost_usd: number; prompt_json: string }[];
    expect(calls).toHaveLength(s.requests.length);
    const tokens = calls.reduce((n, c) => n + c.input_tokens, 0);
    expect(tokens).toBe(s.inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0));
    const embedUsd = calls.reduce((n, c) => n + c.cost_usd, 0);
    expect(embedUsd).toBeCloseTo((tokens * 1_000) / 1e6, 9);
    const proposalsUsd = proposer.steps.length * 0.01;
    expect(r.spentUsd).toBeCloseTo(proposalsUsd + embedUsd, 9);
    // No program text was embedded twice (vectors are kept by text hash).
    const hashes = s.inputs.map((t) => createHash('sha256').update(t).digest('hex'));
    expect(new Set(hashes).size).toBe(hashes.length);
    store.close();
  });

  it('a higher threshold lets through what 0.99 rejects', async () => {
    // Cosine of the neutral proposals to their parent is 1 with `ignoresUnused`; make it 0.995 instead.
    const s = await startEmbeddingsServer({
      dialect: 'openai',
      embed: (t) => [...ignoresUnused(t), (t.match(/^UNUSED_/gm) ?? []).length * 0.5],
    });
    servers.push(s);
    const cfg = (threshold: number) => ({
      embeddings: { provider: 'openai' as const, model: 'fake-embed', baseUrl: s.url, threshold },
    });
    const low = await runLoop(cfg(0.99), { iterations: 10 });
    const high = await runLoop(cfg(0.999999), { iterations: 10 });
    const embedRejects = (x: typeof low) =>
      x.cands.filter((c) => c.status === 'duplicate' && editOf(c).novelty?.check === 'embedding');
    const sims = embedRejects(low).map((c) => editOf(c).novelty!.similarity);
    expect(sims.length).toBeGreaterThan(0);
    for (const v of sims) expect(v).toBeGreaterThanOrEqual(0.99);
    expect(sims.some((v) => v < 0.999999)).toBe(true);
    expect(embedRejects(high).every((c) => editOf(c).novelty!.similarity >= 0.999999)).toBe(true);
    expect(embedRejects(high).length).toBeLessThan(sims.length);
    low.store.close();
    high.store.close();
  });

  it('the judge rescues a flagged proposal (it is evaluated) or confirms the rejection, and its cost counts', async () => {
    const s = await embeddingsServer('openai');
    process.env[KEY_ENV] = KEY;
    process.env[JUDGE_KEY_ENV] = JUDGE_KEY;
    const embeddings = {
      provider: 'openai' as const,
      model: 'fake-embed',
      baseUrl: s.url,
      apiKeyEnv: KEY_ENV,
    };
    const prices = { 'judge-model': { input: 100, output: 200 } };
    const verdicts: Record<string, Awaited<ReturnType<typeof runLoop>>> = {};
    for (const novel of [true, false]) {
      const j = await judgeServer(novel);
      const judge = {
        model: 'judge-model',
        provider: 'openai' as const,
        baseUrl: j.url,
        apiKeyEnv: JUDGE_KEY_ENV,
      };
      const out = await runLoop({ embeddings, judge }, { iterations: 10, prices });
      verdicts[String(novel)] = out;
      const neutral = out.proposer.steps.filter((x) => x === 'neutral').length;
      expect(neutral).toBeGreaterThan(0);
      // The judge saw both programs, once per flagged proposal, with its key.
      expect(j.requests).toHaveLength(neutral);
      const asked = lastChatUserText(j.requests[0]!);
      expect(asked).toMatch(/## Existing program[\s\S]*## New proposal[\s\S]*UNUSED_/);
      expect(j.requests[0]!.headers.authorization).toBe(`Bearer ${JUDGE_KEY}`);
      const judgeUsd = (
        out.store.db
          .prepare("SELECT sum(cost_usd) AS usd FROM llm_calls WHERE run_id = ? AND model = 'judge-model'")
          .get(out.r.runId) as { usd: number }
      ).usd;
      expect(judgeUsd).toBeGreaterThan(0);
      expect(out.r.spentUsd).toBeCloseTo(out.proposer.steps.length * 0.01 + judgeUsd, 9);
    }
    const rescued = verdicts['true']!.cands.filter((c) => editOf(c).noveltyRescue !== undefined);
    expect(rescued.length).toBe(verdicts['true']!.proposer.steps.filter((x) => x === 'neutral').length);
    for (const c of rescued) {
      expect(c.status).not.toBe('duplicate');
      expect(editOf(c).noveltyRescue).toMatchObject({
        similarity: 1,
        reason: 'a new constant is a real change',
      });
    }
    const judged = verdicts['false']!.cands.filter((c) => editOf(c).novelty?.check === 'judge');
    expect(judged.length).toBe(verdicts['false']!.proposer.steps.filter((x) => x === 'neutral').length);
    for (const c of judged) {
      expect(c.status).toBe('duplicate');
      expect(editOf(c).summary).toMatch(/\(embedding similarity 1\.0000; judge: only an unused constant\)/);
    }
    for (const v of Object.values(verdicts)) v.store.close();
  });

  it('an endpoint that fails is one warning, and the run goes on with the token check', async () => {
    const s = await embeddingsServer('openai');
    s.failWith = 503;
    process.env[KEY_ENV] = KEY;
    const { cands, warnings, r, store, proposer } = await runLoop(
      { embeddings: { provider: 'openai', model: 'fake-embed', baseUrl: s.url, apiKeyEnv: KEY_ENV } },
      { iterations: 10 },
    );
    expect(r.iterations).toBe(10);
    const embedWarnings = warnings.filter((w) => w.includes('novelty embeddings'));
    expect(embedWarnings).toHaveLength(1);
    expect(embedWarnings[0]).toMatch(/novelty embeddings failed \(.*503.*\); using the token check alone/);
    // One request and the SDK's two retries (a 5xx), then the endpoint counts as down for the session.
    expect(s.requests).toHaveLength(3);
    const dups = cands.filter((c) => c.status === 'duplicate');
    // Comment/layout edits still rejected by tokens (a win that recreates an existing program too); no neutral step.
    expect(dups.length).toBeGreaterThanOrEqual(proposer.steps.filter((x) => x.startsWith('dup')).length);
    expect(dups.every((c) => editOf(c).novelty?.check === 'tokens')).toBe(true);
    expect(dups.some((c) => editOf(c).summary.includes('adds UNUSED_'))).toBe(false);
    expect(cands.some((c) => c.status !== 'duplicate' && editOf(c).summary.startsWith('adds UNUSED_'))).toBe(
      true,
    );
    // A closed port (connection refused) too.
    const port = Number(new URL(s.url).port);
    await s.close();
    servers = [];
    const down = await runLoop(
      { embeddings: { provider: 'openai', model: 'fake-embed', baseUrl: `http://127.0.0.1:${port}/v1` } },
      { iterations: 5 },
    );
    expect(down.r.iterations).toBe(5);
    expect(down.warnings.filter((w) => w.includes('novelty embeddings failed'))).toHaveLength(1);
    store.close();
    down.store.close();
  });

  it('a resumed run reads the stored vectors and embeds only new programs', async () => {
    const s = await embeddingsServer('voyage');
    process.env[KEY_ENV] = KEY;
    const novelty = {
      embeddings: { provider: 'voyage' as const, model: 'voyage-code-3', baseUrl: s.url, apiKeyEnv: KEY_ENV },
    };
    const first = await runLoop(novelty, { iterations: 8 });
    const before = s.inputs.length;
    expect(before).toBeGreaterThan(0);
    const second = await runLoop(novelty, { iterations: 16, store: first.store, resumeRunId: first.r.runId });
    expect(second.r.runId).toBe(first.r.runId);
    expect(second.r.iterations).toBe(16);
    expect(s.inputs.length).toBeGreaterThan(before);
    // Not one text embedded twice over both sessions: the second read the first's vectors from SQLite.
    const hashes = s.inputs.map((t) => createHash('sha256').update(t).digest('hex'));
    expect(new Set(hashes).size).toBe(hashes.length);
    const stored = first.store.db
      .prepare("SELECT count(*) AS n FROM embeddings WHERE model = 'voyage:voyage-code-3'")
      .get() as {
      n: number;
    };
    expect(stored.n).toBe(s.inputs.length);
    first.store.close();
  });
});

describe('the judge on the run proposer model', () => {
  it('asks the proposer model itself when judge.model is unset, through the real LLM proposer', async () => {
    const s = await embeddingsServer('openai');
    process.env[KEY_ENV] = KEY;
    let n = 0;
    let judged = 0;
    const llm = await startOpenAiServer({
      defaultAnswer: (req) => {
        const system = (req.body?.messages as { role: string; content: string }[])[0]!.content;
        if (system === JUDGE_SYSTEM) {
          judged++;
          return judged % 2 === 1
            ? '{"novel": true, "reason": "odd ones pass"}'
            : '{"novel": false, "reason": "even ones do not"}';
        }
        n++;
        // Every proposal is the seed plus one new unused constant: new code, the same program to the embeddings.
        return rewriteAnswer(
          'solution.py',
          SEED.replace('B = 0', `UNUSED_${n} = ${n}\nB = 0`),
          `adds UNUSED_${n}`,
        );
      },
    });
    servers.push(llm);
    const proposer = await createProposer(
      {
        kind: 'openai',
        model: 'fake-coder',
        baseURL: llm.url,
        mode: 'rewrite',
        timeoutMs: 30_000,
        prices: { 'fake-coder': { input: 1, output: 2 } },
      },
      { env: { OPENAI_API_KEY: 'sk-fake-coder-0123456789' }, sleep: async () => {} },
    );
    const store = Store.open(tempDbPath());
    const config = fakeConfig({
      iterations: 6,
      proposalConcurrency: 1,
      evalConcurrency: 1,
      novelty: {
        enabled: true,
        retries: 0,
        embeddings: { provider: 'openai', model: 'fake-embed', baseUrl: s.url, apiKeyEnv: KEY_ENV },
        judge: {},
      },
    });
    const r = await evolve(fakeEvolve(store, proposer, { config }));
    const cands = store.listCandidates(r.runId).filter((c) => c.iteration !== 0);
    expect(judged).toBe(6);
    expect(cands.filter((c) => editOf(c).noveltyRescue?.reason === 'odd ones pass')).toHaveLength(3);
    expect(cands.filter((c) => editOf(c).novelty?.reason === 'even ones do not')).toHaveLength(3);
    // Proposals and verdicts are calls of the one model, all in the run's spend.
    const calls = store.db
      .prepare(
        "SELECT count(*) AS n, sum(cost_usd) AS usd FROM llm_calls WHERE run_id = ? AND model = 'fake-coder'",
      )
      .get(r.runId) as { n: number; usd: number };
    expect(calls.n).toBe(12);
    const purposes = (
      store.db
        .prepare('SELECT prompt_json FROM llm_calls WHERE run_id = ? AND model = ?')
        .all(r.runId, 'fake-coder') as {
        prompt_json: string;
      }[]
    ).map((c) => (JSON.parse(c.prompt_json) as { purpose: string }).purpose);
    expect(purposes.filter((p) => p === 'novelty-judge')).toHaveLength(6);
    expect(purposes.filter((p) => p === 'propose')).toHaveLength(6);
    expect(calls.usd).toBeGreaterThan(0);
    expect(r.spentUsd).toBeCloseTo(calls.usd, 9);
    store.close();
  });
});

describe('retries of the embedding clients', () => {
  it('voyage: retries a 503 twice, then fails with the status; a 400 is not retried', async () => {
    const s = await embeddingsServer('voyage');
    s.failWith = 503;
    const e = createEmbedder(
      { provider: 'voyage', model: 'voyage-code-3', baseUrl: s.url, apiKeyEnv: KEY_ENV, timeoutMs: 30_000 },
      { [KEY_ENV]: KEY },
    );
    await expect(e.embed(['x'])).rejects.toThrow(/HTTP 503: \{"detail":"the server is failing"\}/);
    expect(s.requests).toHaveLength(3);
    s.failWith = 400;
    await expect(e.embed(['x'])).rejects.toThrow(/HTTP 400/);
    expect(s.requests).toHaveLength(4);
    s.failWith = undefined;
    expect((await e.embed(['x'])).vectors).toHaveLength(1);
  });
});
