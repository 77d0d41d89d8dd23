// Meta-recommendations: every K finished candidates the run's model (the real Anthropic SDK against a fake server on
// loopback) sums up lessons, which later prompts carry, the run state keeps across a resume, and the run page shows.
import { afterEach, describe, expect, it } from 'vitest';
import { evolve } from '../orchestrator/loop/index.js';
import { parseRunState } from '../orchestrator/loop/run-state.js';
import { metaUserPrompt, parseRecommendations } from '../orchestrator/prompts/meta-prompt.js';
import { createProposer } from '../orchestrator/proposers/index.js';
import { runPage } from '../web/src/pages/run.js';
import { buildRunSummary } from '../web/src/run-summary.js';
import {
  lastUserText,
  rewriteAnswer,
  startAnthropicServer,
  type FakeServer,
  type RecordedRequest,
} from './fakes/anthropic-server.js';
import { collect, fakeConfig, fakeEvolve, tempStore } from './fakes/fake-loop.js';
import { RunEventBus } from '../orchestrator/events.js';

const LESSONS =
  '- Raising A pays: each step adds one point.\n- Setting B = 3 breaks correctness.\n- Comment-only edits change nothing.\n';

const systemOf = (r: RecordedRequest): string => {
  const s = r.body?.system as unknown;
  if (typeof s === 'string') return s;
  return Array.isArray(s) ? (s as { text?: string }[]).map((b) => b.text ?? '').join('') : '';
};
const isMeta = (r: RecordedRequest): boolean => systemOf(r).includes('You review an automated');

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A model that rewrites the knob program to A = n (mod 8) and answers summary calls with `lessons(k)`. */
async function fakeModel(lessons: (k: number) => string): Promise<FakeServer> {
  let proposals = 0;
  let summaries = 0;
  return startAnthropicServer({
    defaultAnswer: (request) => {
      if (isMeta(request)) return lessons(summaries++);
      proposals++;
      const code = `# EVOLVE-BLOCK-START\n# @knob A: [0, 1, 2, 3, 4, 5, 6, 7]\nA = ${proposals % 8}\n# @knob B: [0, 1, 2, 3]\nB = 0\n# EVOLVE-BLOCK-END\n`;
      return rewriteAnswer('solution.py', code, `A = ${proposals % 8}`);
    },
  });
}

const proposerFor = (server: FakeServer) =>
  createProposer(
    { kind: 'anthropic', baseURL: server.url, mode: 'rewrite', timeoutMs: 2_000, retryBadEdits: false },
    {
      env: { ANTHROPIC_API_KEY: 'fake-ant-test-0123456789abcdef' },
      sleep: async () => {},
      jitter: () => 0.5,
    },
  );

describe('meta-recommendations', () => {
  it('parses bulleted or numbered lessons, drops repeats and prose, caps the count', () => {
    expect(
      parseRecommendations('Here you go:\n- one\n* two\n1. three\n2) one\n  - four\nnot a lesson\n- five', 4),
    ).toEqual(['one', 'two', 'three', 'four']);
    expect(parseRecommendations('no list at all', 5)).toEqual([]);
    const prompt = metaUserPrompt({
      problemName: 'p',
      primary: 'score',
      attempts: [
        { id: 'a', parentId: 's', summary: 'vectorised', status: 'evaluated', score: 2, delta: 1 },
        {
          id: 'b',
          parentId: 's',
          summary: 'provider down',
          status: 'proposal-failed',
          score: null,
          delta: null,
          infrastructure: true,
        },
      ],
      previous: ['old lesson'],
      maxItems: 3,
    });
    expect(prompt).toContain('- vectorised → evaluated, score 2 (+1 vs its parent)');
    expect(prompt).not.toContain('provider down');
    expect(prompt).toContain('- old lesson');
    expect(prompt).toContain('at most 3 lessons');
  });

  it('summarises every K candidates, puts the lessons in later prompts, stores them and shows them', async () => {
    fake = await fakeModel(() => LESSONS);
    const store = tempStore();
    const config = fakeConfig({
      proposer: 'anthropic',
      iterations: 12,
      proposalConcurrency: 1,
      evalConcurrency: 1,
      meta: { enabled: true, every: 4, items: 3 },
    });
    const r = await evolve(fakeEvolve(store, await proposerFor(fake), { config }));
    expect(r.status).toBe('finished');

    const reqs = fake.requests;
    const metaAt = reqs.flatMap((q, i) => (isMeta(q) ? [i] : []));
    // After 4 and 8 finished candidates (the 12th finishes after the last proposal): two summaries. The pipeline
    // proposes one ahead of the evaluation, so the first comes after the 4th or 5th proposal.
    expect(metaAt).toHaveLength(2);
    expect([4, 5]).toContain(metaAt[0]);
    expect(lastUserText(reqs[metaAt[1]!]!)).toContain('previous lessons');
    const proposals = reqs.filter((q) => !isMeta(q));
    expect(proposals).toHaveLength(12);
    // Exactly the proposals asked after the first summary carry the lessons.
    for (const [i, q] of reqs.entries())
      if (!isMeta(q))
        expect(lastUserText(q).includes('Lessons from earlier generations')).toBe(i > metaAt[0]!);
    expect(lastUserText(proposals[5]!)).toContain('- Setting B = 3 breaks correctness.');

    const state = parseRunState(store.getRun(r.runId).state_json, r.runId);
    expect(state.meta).toEqual({
      items: parseRecommendations(LESSONS, 3),
      atCompleted: 8,
      updates: 2,
    });
    // Both summary calls are stored with the run (no candidate) and their cost is in the run's spend.
    const calls = store.db
      .prepare('SELECT candidate_id, cost_usd, prompt_json FROM llm_calls WHERE run_id = ?')
      .all(r.runId) as { candidate_id: string | null; cost_usd: number; prompt_json: string }[];
    const metaCalls = calls.filter(
      (c) => (JSON.parse(c.prompt_json) as { purpose: string }).purpose === 'meta',
    );
    expect(metaCalls).toHaveLength(2);
    expect(metaCalls.every((c) => c.candidate_id === null)).toBe(true);
    const total = calls.reduce((a, c) => a + c.cost_usd, 0);
    expect(r.spentUsd).toBeCloseTo(total, 9);
    expect(metaCalls[0]!.cost_usd).toBeGreaterThan(0);

    const page = String(runPage(buildRunSummary(store.db, r.runId)));
    expect(page).toContain('id="meta-recommendations"');
    expect(page).toContain('Setting B = 3 breaks correctness.');
    store.close();
  });

  it('keeps the previous lessons with a warning when a summary holds none, and resumes with them', async () => {
    fake = await fakeModel((k) => (k === 0 ? LESSONS : 'I cannot help with that.'));
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const config = fakeConfig({
      proposer: 'anthropic',
      iterations: 11,
      proposalConcurrency: 1,
      evalConcurrency: 1,
      meta: { enabled: true, every: 4, items: 6 },
    });
    const r = await evolve(fakeEvolve(store, await proposerFor(fake), { config, events: bus }));
    const state = parseRunState(store.getRun(r.runId).state_json, r.runId);
    // The second summary (after 8) failed: the first one's lessons stay, counted once.
    expect(state.meta).toMatchObject({ items: parseRecommendations(LESSONS, 6), updates: 1 });
    expect(state.meta!.atCompleted).toBeGreaterThanOrEqual(8);
    expect(
      events.some(
        (e) =>
          e.type === 'run:warning' &&
          /meta-recommendations: the answer held no bulleted lessons/.test(e.message),
      ),
    ).toBe(true);

    // A resumed run's prompts carry the stored lessons from its first proposal on.
    const before = fake.requests.length;
    const again = await evolve(
      fakeEvolve(store, await proposerFor(fake), {
        config: { ...config, iterations: 13 },
        resumeRunId: r.runId,
      }),
    );
    expect(again.iterations).toBe(13);
    const later = fake.requests.slice(before).filter((q) => !isMeta(q));
    expect(later.length).toBeGreaterThan(0);
    for (const q of later) expect(lastUserText(q)).toContain('- Raising A pays: each step adds one point.');
    store.close();
  });

  it('is off by default: no summary call and no lessons section', async () => {
    fake = await fakeModel(() => LESSONS);
    const store = tempStore();
    const config = fakeConfig({
      proposer: 'anthropic',
      iterations: 6,
      proposalConcurrency: 1,
      evalConcurrency: 1,
    });
    const r = await evolve(fakeEvolve(store, await proposerFor(fake), { config }));
    expect(fake.requests.some(isMeta)).toBe(false);
    expect(fake.requests.some((q) => lastUserText(q).includes('Lessons from earlier'))).toBe(false);
    expect(parseRunState(store.getRun(r.runId).state_json, r.runId).meta).toBeUndefined();
    store.close();
  });
});
