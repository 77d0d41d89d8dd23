// Novelty rejection: the similarity measure on real files no one here wrote, and the loop with a proposer that
// emits 40% near-duplicates (evaluations saved at an equal best, rejections stored, the retry note sent).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { evolve } from '../orchestrator/loop/index.js';
import { codeTokens, jaccard, NoveltyIndex, shinglesOf } from '../orchestrator/population/novelty.js';
import { createProposer, type LlmProposalResult } from '../orchestrator/proposers/index.js';
import {
  answer,
  lastUserText,
  searchReplace,
  startAnthropicServer,
  type FakeServer,
} from './fakes/anthropic-server.js';
import { duplicatingProposer } from './fakes/duplicating-proposer.js';
import { fakeConfig, fakeEvolve, tempDbPath } from './fakes/fake-loop.js';
import { runCli } from '../orchestrator/cli/main.js';
import { Store } from '../orchestrator/store/store.js';
import { makeContext, makeTinyProblem, type TinyProblem } from './fakes/tiny-problem.js';

// Real source files from other projects, present wherever the tests run: CPython's heapq and the `diff` package.
const heapqPath = execFileSync('python3', ['-c', 'import heapq; print(heapq.__file__)'], {
  encoding: 'utf8',
}).trim();
const diffJsPath = createRequire(import.meta.url).resolve('diff');

const sim = (a: Record<string, string>, b: Record<string, string>): number =>
  jaccard(shinglesOf(a), shinglesOf(b));

describe('code similarity', () => {
  it('ignores comments and layout in a real Python file, keeps strings, and sees a one-operator change', () => {
    const src = readFileSync(heapqPath, 'utf8');
    // After the module docstring (whose lines may start with `#`): every full-line comment removed and a
    // trailing comment added to every `def` line. The same program for the measure.
    const body = src.indexOf('__all__');
    expect(body).toBeGreaterThan(0);
    const stripped =
      src.slice(0, body) +
      src
        .slice(body)
        .split('\n')
        .filter((l) => !/^\s*#/.test(l))
        .map((l) => (/^\s*def .*:$/.test(l) ? `${l}    # what it does` : l))
        .join('\n');
    expect(stripped).not.toBe(src);
    expect(sim({ 'heapq.py': src }, { 'heapq.py': stripped })).toBe(1);
    // `#` inside a string literal is code, not a comment.
    expect(codeTokens('x.py', 's = "a # b"  # note')).toEqual(['s', '=', '"a # b"']);
    // One comparison flipped in the 1,000-line module: still highly similar, but not a duplicate.
    const first = src.indexOf('if newitem < parent:');
    expect(first).toBeGreaterThan(0);
    const flipped =
      src.slice(0, first) + 'if newitem <= parent:' + src.slice(first + 'if newitem < parent:'.length);
    const s = sim({ 'heapq.py': src }, { 'heapq.py': flipped });
    expect(s).toBeLessThan(1);
    expect(s).toBeGreaterThan(0.99);
    // A docstring is a string: changing it is a change (the measure never guesses what code reads at run time).
    expect(
      sim({ 'heapq.py': src }, { 'heapq.py': src.replace('Heap queue algorithm', 'Heap algorithm') }),
    ).toBeLessThan(1);
  });

  it('reads C-style comments in a real JavaScript file and keeps `#` as code there', () => {
    const src = readFileSync(diffJsPath, 'utf8');
    const noComments = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    expect(noComments.length).toBeLessThan(src.length);
    expect(sim({ 'a.js': src }, { 'a.js': noComments })).toBe(1);
    expect(codeTokens('k.cu', '#include <x.h> // why')).toEqual(['#', 'include', '<', 'x', '.', 'h', '>']);
  });

  it('finds the most similar program of the island at or above the threshold, and nothing on another island', () => {
    const files: Record<string, Record<string, string>> = {
      a: { 'm.py': 'x = 1\ny = 2\nz = x + y\n' },
      b: { 'm.py': 'x = 1\ny = 3\nz = x * y\n' },
    };
    const idx = new NoveltyIndex(0.5, (id) => files[id]);
    idx.accept(0, 'a');
    idx.accept(1, 'b');
    const probe = { 'm.py': 'x = 1  # one\n\ny = 2\nz = x + y\n' };
    expect(idx.check(0, [], probe)).toEqual({ duplicateOf: 'a', similarity: 1 });
    expect(idx.check(1, [], probe)).toBeUndefined();
    // Members passed by the caller (e.g. migrants) count too.
    expect(idx.check(1, ['a'], probe)?.duplicateOf).toBe('a');
  });
});

describe('novelty config', () => {
  it('is off by default (threshold 1, one retry) and names a bad field in one line', () => {
    expect(fakeConfig({}).novelty).toEqual({ enabled: false, threshold: 1, retries: 1 });
    expect(() => fakeConfig({ novelty: { threshold: 1.5 } })).toThrow(/field "novelty\.threshold": Too big/);
    expect(() => fakeConfig({ novelty: { treshold: 0.9 } as never })).toThrow(/Unrecognized key: "treshold"/);
  });
});

describe('novelty rejection in the loop', () => {
  const run = async (enabled: boolean, retries: number, iterations = 60) => {
    const dbPath = tempDbPath();
    const store = Store.open(dbPath);
    const proposer = duplicatingProposer();
    const config = fakeConfig({
      iterations,
      proposalConcurrency: 1,
      evalConcurrency: 1,
      novelty: { enabled, retries },
    });
    const r = await evolve(fakeEvolve(store, proposer, { config }));
    const cands = store.listCandidates(r.runId).filter((c) => c.iteration !== 0);
    const evaluated = cands.filter((c) => !['duplicate', 'proposal-failed', 'pending'].includes(c.status));
    return { store, dbPath, proposer, r, cands, evaluated };
  };

  it('saves at least 30% of evaluations at an equal best on a stream with 40% near-duplicates', async () => {
    const off = await run(false, 0);
    const on = await run(true, 0);
    const dupShare = off.proposer.steps.filter((s) => s.startsWith('dup')).length / off.proposer.steps.length;
    expect(dupShare).toBeCloseTo(0.4, 2);
    expect(off.evaluated).toHaveLength(60);
    const saved = 1 - on.evaluated.length / off.evaluated.length;
    console.log(
      `novelty: ${off.evaluated.length} -> ${on.evaluated.length} evaluations (${(saved * 100).toFixed(0)}% saved); best ${off.r.bestScore} -> ${on.r.bestScore}`,
    );
    expect(saved).toBeGreaterThanOrEqual(0.3);
    expect(on.r.bestScore).toBeGreaterThanOrEqual(off.r.bestScore!);
    // Every rejection is stored, with what it duplicated (a candidate of the run) and its similarity.
    const rejected = on.cands.filter((c) => c.status === 'duplicate');
    expect(rejected.length).toBe(on.cands.length - on.evaluated.length);
    const ids = new Set(on.store.listCandidates(on.r.runId).map((c) => c.id));
    for (const c of rejected) {
      const edit = JSON.parse(c.edit_json!) as {
        summary: string;
        novelty: { duplicateOf: string; similarity: number };
      };
      expect(ids.has(edit.novelty.duplicateOf)).toBe(true);
      expect(edit.novelty.similarity).toBe(1);
      expect(edit.summary).toMatch(/^rejected: near-duplicate of \S+ \(similarity 1\.000\)/);
    }
    // ... and visible: `adrs show RUN` counts them, `adrs show CANDIDATE` says what it duplicated.
    const shown = async (id: string): Promise<string> => {
      let out = '';
      const code = await runCli(['show', id, '--db', on.dbPath], {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => {} },
        env: { PATH: process.env.PATH },
        cwd: process.cwd(),
      });
      expect(code).toBe(0);
      return out;
    };
    expect(await shown(on.r.runId)).toContain(`${rejected.length} duplicate`);
    const one = await shown(rejected[0]!.id);
    expect(one).toMatch(/DUPLICATE/);
    expect(one).toMatch(/edit: rejected: near-duplicate of \S+ \(similarity 1\.000\)/);
    off.store.close();
    on.store.close();
  });

  it('asks again in the same iteration with a note naming the duplicated program', async () => {
    const { proposer, cands, store, r } = await run(true, 1, 20);
    const noted = proposer.contexts.filter((c) => c.retryNote !== undefined);
    expect(noted.length).toBeGreaterThan(0);
    for (const ctx of noted) {
      const prev = proposer.contexts[proposer.contexts.indexOf(ctx) - 1]!;
      expect(ctx.iteration).toBe(prev.iteration);
      const rejectedRow = cands.find((c) => c.iteration === ctx.iteration && c.status === 'duplicate')!;
      const dupOf = (JSON.parse(rejectedRow.edit_json!) as { novelty: { duplicateOf: string } }).novelty
        .duplicateOf;
      expect(ctx.retryNote).toContain(
        dupOf === ctx.parent.id ? 'the parent program itself' : `program ${dupOf}`,
      );
      expect(ctx.retryNote).toMatch(/rejected without evaluation: it is a near-duplicate/);
    }
    // 20 iterations, each ending in one evaluated candidate or a second rejection.
    expect(new Set(cands.map((c) => c.iteration)).size).toBe(20);
    expect(r.iterations).toBe(20);
    store.close();
  });
});

describe('the LLM proposer and the retry note', () => {
  let fake: FakeServer | undefined;
  let tiny: TinyProblem | undefined;
  afterEach(async () => {
    await fake?.close();
    tiny?.cleanup();
  });

  it('puts the note after the prompt, leaving the cached system prompt unchanged', async () => {
    const edit = searchReplace([
      { file: 'solution.py', search: '        total += i * i', replace: '        total += i ** 2' },
    ]);
    fake = await startAnthropicServer({ script: [answer(edit), answer(edit)] });
    tiny = makeTinyProblem();
    const proposer = await createProposer(
      { kind: 'anthropic', baseURL: fake.url, mode: 'diff', timeoutMs: 2_000 },
      {
        env: { ANTHROPIC_API_KEY: 'fake-ant-test-0123456789abcdef' },
        sleep: async () => {},
        jitter: () => 0.5,
      },
    );
    const ctx = makeContext(tiny.problem);
    const plain = (await proposer.propose(ctx)) as LlmProposalResult;
    const note =
      'Your previous answer was rejected without evaluation: it is a near-duplicate of program c-7.';
    const again = (await proposer.propose({ ...ctx, retryNote: note })) as LlmProposalResult;
    expect(plain.ok && again.ok).toBe(true);
    const [a, b] = fake.requests;
    expect(lastUserText(a!)).not.toContain('near-duplicate');
    expect(lastUserText(b!).endsWith(note)).toBe(true);
    expect(lastUserText(b!).startsWith(lastUserText(a!))).toBe(true);
    expect(b!.body.system).toEqual(a!.body.system);
  });
});
