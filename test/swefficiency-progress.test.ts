// `adrs swefficiency eval` shows a long instance's phase and repeat progress on stderr (a real sympy instance).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLines } from '../evaluators/progress-lines.js';
import { runCli } from '../orchestrator/cli/main.js';
import { buildRealRepos, missingDebianModule, realInstances } from './fixtures/swe-real/real.js';

const absent = missingDebianModule();
if (absent) {
  const msg = `*** swefficiency-progress: SKIPPED the eval: /usr/bin/python3 lacks ${absent} (apt-get install python3-pytest python3-sympy python3-xarray python3-dask python3-pandas python3-cftime) ***`;
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

describe('progress lines from an evaluator', () => {
  it('keeps only marked lines, whole, across chunks; drops control characters and cuts long lines', () => {
    const got: string[] = [];
    const feed = progressLines((l) => got.push(l));
    feed(Buffer.from('noise from a candidate\nadrs-progress: base_commit: re'));
    feed(Buffer.from('build\nadrs-progress: \u001b[2Jcleared\u0007\nnot adrs-progress: x\n'));
    feed(Buffer.from(`adrs-progress: ${'y'.repeat(1000)}\nadrs-progress: unfinished`));
    expect(got).toEqual(['base_commit: rebuild', '[2Jcleared', 'y'.repeat(297) + '...']);
  });
});

const ID = 'sympy__sympy-24313';
const dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(absent)(`adrs swefficiency eval on ${ID}`, () => {
  beforeAll(async () => {
    const commits = await buildRealRepos(path.join(dir, 'repos'));
    const instance = realInstances(commits).find((i) => i.instance_id === ID)!;
    writeFileSync(path.join(dir, 'dataset.jsonl'), JSON.stringify(instance) + '\n');
    const prediction = { instance_id: ID, model_patch: instance.patch, model_name_or_path: 'org/m' };
    writeFileSync(path.join(dir, 'preds.jsonl'), JSON.stringify(prediction) + '\n');
    // The gold speedup from a report, so only the prediction runs.
    writeFileSync(
      path.join(dir, 'gold.csv'),
      'instance_id,raw_pred_speedup_ratio,pred_speedup_ratio,gold_speedup_ratio,human_speedup_ratio,correctness,correctness_pct,pre_edit_runtime,patch_length\n' +
        `${ID},100,100,100,1,1,1,0.5,80\n`,
    );
  }, 300_000);

  it('prints each phase, the timed repeats and the test files as they happen', async () => {
    let err = '';
    let out = '';
    const code = await runCli(
      [
        'swefficiency',
        'eval',
        '--predictions',
        'preds.jsonl',
        '--dataset',
        'dataset.jsonl',
        '--repos',
        'repos',
        '--gold-report',
        'gold.csv',
        '--timeout',
        '1200',
      ],
      {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: (s: string) => (err += s) },
        env: { PATH: process.env.PATH },
        cwd: dir,
      },
    );
    expect(code, err).toBe(0);
    expect(out).toMatch(/correct/);
    const lines = err.split('\n').filter((l) => l.startsWith(`  ${ID} prediction: `));
    const at = (re: RegExp): number => {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, `${re} in\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const apply = at(/apply the patch/);
    const pre = at(/base_commit: time the workload/);
    const firstRepeat = at(/workload: repeat 1 of 6 \(1 call\(s\) each/);
    const lastRepeat = at(/workload: repeat 6 of 6/);
    const post = at(/patched: time the workload/);
    const tests = at(/tests: 1 covering test file\(s\)/);
    const done = at(/tests: 1 of 1 covering file\(s\) done \(sympy\/utilities\/tests\/test_iterables\.py\)/);
    expect([apply, pre, firstRepeat, lastRepeat, post, tests, done]).toEqual(
      [apply, pre, firstRepeat, lastRepeat, post, tests, done].sort((a, b) => a - b),
    );
    // Repeats of the post-edit run too.
    expect(lines.slice(post).some((l) => /workload: repeat 1 of 6/.test(l))).toBe(true);
  }, 1_200_000);
});
