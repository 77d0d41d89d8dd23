// The evaluator cache (evaluators/evaluator-cache.ts): what an evaluator hands back is kept with checked names, a
// later evaluation reads it through a read-only mount, and nothing malformed gets in.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_MAX_ENTRIES, keepCacheEntries, trimCache } from '../evaluators/evaluator-cache.js';
import { runEvaluation, type EvaluationTarget } from '../evaluators/run-evaluation.js';
import { createSandbox } from '../sandboxes/index.js';
import type { Sandbox } from '../sandboxes/types.js';

// Reads what the cache holds, tries to write into it, and hands back the entries the workspace's entries.json names.
const EVALUATOR = `import base64, json, os
cache = os.environ.get("ADRS_CACHE_DIR")
seen = {}
writable = False
if cache:
    for name in sorted(os.listdir(cache)):
        seen[name] = open(os.path.join(cache, name)).read()
    try:
        open(os.path.join(cache, "sneaked-in"), "w").write("x")
        writable = True
    except OSError:
        pass
out = os.environ.get("ADRS_CACHE_OUT")
want = json.load(open(os.path.join(os.environ["ADRS_WORKSPACE"], "entries.json")))
if out:
    json.dump({"entries": {k: base64.b64encode(v.encode()).decode() for k, v in want.items()}}, open(out, "w"))
json.dump({"correct": True, "metrics": {"score": 1.0},
           "artifacts": {"seen": json.dumps(seen), "writable": str(writable), "has_out": str(bool(out))}},
          open(os.environ["ADRS_RESULT"], "w"))
`;

let sandbox: Sandbox;
let evaluatorDir: string;

beforeAll(async () => {
  sandbox = await createSandbox('local');
  evaluatorDir = mkdtempSync(path.join(tmpdir(), 'adrs-cache-ev-'));
  writeFileSync(path.join(evaluatorDir, 'evaluate.py'), EVALUATOR);
});
afterAll(async () => sandbox.dispose());

async function evaluate(cacheDir: string | undefined, entries: Record<string, string>) {
  const ws = mkdtempSync(path.join(tmpdir(), 'adrs-cache-ws-'));
  writeFileSync(path.join(ws, 'entries.json'), JSON.stringify(entries));
  const target: EvaluationTarget = {
    command: ['/usr/bin/python3', '{problem}/evaluate.py'],
    evaluatorDir,
    limits: { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 16_384 },
    ...(cacheDir ? { cacheDir } : {}),
  };
  const o = await runEvaluation({ sandbox, workspaceDir: ws, stage: 'screen', seed: 1, target });
  if (o.status !== 'ok')
    throw new Error(`${o.status}: ${'reason' in o ? o.reason : 'incorrect'}\n${o.stderrTail}`);
  return o.result.artifacts;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('evaluator cache through runEvaluation (local sandbox)', () => {
  it('keeps what an evaluator hands back; a later evaluation reads it, read-only', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-cache-')), 'problem');
    const first = await evaluate(dir, { 'base-1.pkl': 'observed', '../escape': 'no', '.hidden': 'no' });
    expect(JSON.parse(first.seen!)).toEqual({}); // created empty
    expect(readdirSync(dir)).toEqual(['base-1.pkl']); // bad names dropped
    expect(existsSync(path.join(dir, '..', 'escape'))).toBe(false);

    const second = await evaluate(dir, { 'base-1.pkl': 'observed again' });
    expect(JSON.parse(second.seen!)).toEqual({ 'base-1.pkl': 'observed' });
    expect(second.writable).toBe('False'); // the mount is read-only inside the sandbox
    expect(existsSync(path.join(dir, 'sneaked-in'))).toBe(false);
    // What the evaluator hands back replaces an entry of the same name (it does so when that one did not load).
    expect(readFileSync(path.join(dir, 'base-1.pkl'), 'utf8')).toBe('observed again');
    expect(readdirSync(dir)).toEqual(['base-1.pkl']); // written beside the folder, then renamed in
    expect(readdirSync(path.dirname(dir))).toEqual(['problem']); // and no temp file left there
  }, 60_000);

  it('a cache that cannot be copied in does not fail the evaluation: it runs without it', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-cache-')), 'problem');
    const flaky: Sandbox = {
      kind: sandbox.kind,
      describe: () => sandbox.describe(),
      dispose: () => Promise.resolve(),
      open: async (spec) => {
        if (spec.readonlyDirs?.cache) throw new Error(`ENOENT: cp ${spec.readonlyDirs.cache}/gone`);
        return sandbox.open(spec);
      },
    };
    const ws = mkdtempSync(path.join(tmpdir(), 'adrs-cache-ws-'));
    writeFileSync(path.join(ws, 'entries.json'), JSON.stringify({ e: 'v' }));
    const o = await runEvaluation({
      sandbox: flaky,
      workspaceDir: ws,
      stage: 'screen',
      seed: 1,
      target: {
        command: ['/usr/bin/python3', '{problem}/evaluate.py'],
        evaluatorDir,
        limits: { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 16_384 },
        cacheDir: dir,
      },
    });
    expect(o.status).toBe('ok');
    expect(o.status === 'ok' && o.result.artifacts.has_out).toBe('False');
    expect(readdirSync(dir)).toEqual([]); // nothing handed back through a cache it did not have
  }, 30_000);

  it('an evaluation without a cache folder gets neither variable', async () => {
    const a = await evaluate(undefined, { x: 'y' });
    expect(a.has_out).toBe('False');
    expect(JSON.parse(a.seen!)).toEqual({});
  }, 30_000);
});

describe('keepCacheEntries and trimCache', () => {
  const fresh = (): string => mkdtempSync(path.join(tmpdir(), 'adrs-cache-unit-'));

  it('drops malformed output whole and bad entries one by one', () => {
    const dir = fresh();
    expect(keepCacheEntries(dir, Buffer.from('not json {'))).toEqual([]);
    expect(keepCacheEntries(dir, Buffer.from(JSON.stringify({ entries: { a: 3 } })))).toEqual([]);
    expect(keepCacheEntries(dir, undefined)).toEqual([]);
    const out = { entries: { ok: b64('1'), 'x/y': b64('2'), 'z.tmp': b64('3'), empty: '' } };
    expect(keepCacheEntries(dir, Buffer.from(JSON.stringify(out)))).toEqual(['ok']);
    expect(readdirSync(dir)).toEqual(['ok']);
  });

  it('over the count limit, keeps the newest three quarters', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const n = CACHE_MAX_ENTRIES + 3;
    for (let i = 0; i < n; i++) {
      const f = path.join(dir, `e${i}`);
      writeFileSync(f, 'v');
      utimesSync(f, 1_000 + i, 1_000 + i);
    }
    trimCache(dir);
    const left = readdirSync(dir);
    expect(left).toHaveLength((CACHE_MAX_ENTRIES * 3) / 4); // trimmed with room to spare: trimming stays rare
    expect(left).not.toContain('e0');
    expect(left).toContain(`e${n - 1}`);
    trimCache(dir); // within the limits: nothing goes
    expect(readdirSync(dir)).toHaveLength((CACHE_MAX_ENTRIES * 3) / 4);
  });
});
