// Dataset formats (JSONL, JSON, Parquet), input errors, and `adrs swefficiency list|show|prepare|eval|report` in-process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { gitDiff } from '../orchestrator/export/git-diff.js';
import { loadDataset, loadPredictions } from '../problems/src/swefficiency/dataset.js';
import { readReportCsv, REPORT_COLUMNS } from '../problems/src/swefficiency/report.js';
import { INSTANCES_FILE, REPOS_DIR, fixtureInstances, fixtureText } from './fixtures/swe/fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    cwd: dir,
    env: {},
  });
  return { code, out, err };
}

describe('swefficiency dataset readers', () => {
  it('reads the same instances from JSONL, JSON and Parquet (lists stored as JSON strings)', async () => {
    const jsonl = await loadDataset(INSTANCES_FILE);
    const rows = readFileSync(INSTANCES_FILE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    writeFileSync(path.join(dir, 'd.json'), JSON.stringify(rows));
    const columns = Object.keys(rows[0]!).map((name) => ({
      name,
      data: rows.map((r) => (Array.isArray(r[name]) ? JSON.stringify(r[name]) : r[name])),
      type: name === 'speedup' ? ('DOUBLE' as const) : ('STRING' as const),
    }));
    writeFileSync(path.join(dir, 'd.parquet'), Buffer.from(parquetWriteBuffer({ columnData: columns })));
    expect(await loadDataset(path.join(dir, 'd.json'))).toEqual(jsonl);
    expect(await loadDataset(path.join(dir, 'd.parquet'))).toEqual(jsonl);
    expect(jsonl[0]!.PASS_TO_PASS).toHaveLength(8);
  });

  it('names the file, row and field of a bad row, and refuses duplicate ids', async () => {
    const good = readFileSync(INSTANCES_FILE, 'utf8').trim().split('\n');
    const bad = JSON.parse(good[1]!) as Record<string, unknown>;
    bad.base_commit = 'not-a-commit';
    writeFileSync(path.join(dir, 'bad.jsonl'), [good[0], JSON.stringify(bad)].join('\n'));
    await expect(loadDataset(path.join(dir, 'bad.jsonl'))).rejects.toThrow(
      /bad\.jsonl: row 2: field "base_commit"/,
    );
    writeFileSync(path.join(dir, 'dup.jsonl'), [good[0], good[0]].join('\n'));
    await expect(loadDataset(path.join(dir, 'dup.jsonl'))).rejects.toThrow(/appears twice/);
    writeFileSync(path.join(dir, 'p.jsonl'), JSON.stringify({ instance_id: 'x', model_patch: '' }) + '\n');
    await expect(loadPredictions(path.join(dir, 'p.jsonl'))).rejects.toThrow(/field "model_name_or_path"/);
  });
});

let pytest = true;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import pytest'], { stdio: 'ignore' });
} catch {
  pytest = false;
  const msg =
    '*** swefficiency-cli: SKIPPED eval: /usr/bin/python3 lacks pytest (apt-get install python3-pytest) ***';
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

describe('adrs swefficiency', () => {
  it('list and show read the dataset; a missing --dataset says how to fix it', async () => {
    const list = await cli(['swefficiency', 'list', '--dataset', INSTANCES_FILE, '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { instance_id: string }[]).map((i) => i.instance_id)).toEqual([
      'adrs-fixtures__textstats-1',
      'adrs-fixtures__textstats-2',
      'adrs-fixtures__textstats-3',
    ]);
    const show = await cli([
      'swefficiency',
      'show',
      'adrs-fixtures__textstats-3',
      '--dataset',
      INSTANCES_FILE,
    ]);
    expect(show.out).toContain('tests/test_ngrams.py');
    expect(show.out).toContain('timeit.repeat');
    const none = await cli(['swefficiency', 'list']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--dataset FILE');
  });

  it('prepare writes a problem package whose seed is the repo at base_commit (no expert patch inside)', async () => {
    const r = await cli([
      'swefficiency',
      'prepare',
      'adrs-fixtures__textstats-1',
      '--dataset',
      INSTANCES_FILE,
      '--repos',
      REPOS_DIR,
      '--out',
      'pkg',
    ]);
    expect(r.code, r.err).toBe(0);
    const pkg = path.join(dir, 'pkg');
    expect(existsSync(path.join(pkg, 'seed', '.git'))).toBe(true);
    const head = execFileSync('git', ['-C', path.join(pkg, 'seed'), 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
    expect(head).toBe((await fixtureInstances())[0]!.base_commit);
    const shown = await cli(['problems', 'show', 'pkg', '--json']);
    expect(JSON.parse(shown.out)).toMatchObject({ name: 'adrs-fixtures__textstats-1', primary: 'speedup' });
    const evaluator = readFileSync(path.join(pkg, 'evaluator', 'instance.json'), 'utf8');
    expect(evaluator).not.toContain('Counter');
  });

  it.runIf(pytest)(
    'eval scores predictions (gold run, damaged patch, guard) into the official CSV; report reads it',
    async () => {
      const instances = await fixtureInstances();
      const base = { 'textstats/core.py': fixtureText('repos/adrs-fixtures__textstats/textstats/core.py') };
      const introspect = gitDiff(base, { 'textstats/core.py': fixtureText('candidates/introspect-core.py') });
      const preds = [
        // Like real agent patches: no final newline (git apply calls it corrupt; the fallback applies it).
        {
          instance_id: instances[0]!.instance_id,
          model_patch: instances[0]!.patch.trimEnd(),
          model_name_or_path: 'org/model-x',
        },
        {
          instance_id: instances[1]!.instance_id,
          model_patch: introspect,
          model_name_or_path: 'org/model-x',
        },
      ];
      writeFileSync(path.join(dir, 'preds.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
      const r = await cli([
        'swefficiency',
        'eval',
        '--predictions',
        'preds.jsonl',
        '--dataset',
        INSTANCES_FILE,
        '--repos',
        REPOS_DIR,
        '--instances',
        'textstats-[12]$',
        '--json',
      ]);
      expect(r.code, r.err).toBe(0);
      const csv = path.join(dir, 'eval_report_org__model-x.csv');
      expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe(REPORT_COLUMNS.join(','));
      const rows = readReportCsv(csv);
      expect(rows.map((x) => x.instance_id)).toEqual([instances[0]!.instance_id, instances[1]!.instance_id]);
      const [one, two] = rows;
      expect(one!.correctness).toBe(1);
      expect(one!.gold_speedup_ratio).toBeGreaterThan(3);
      expect(one!.pred_speedup_ratio).toBeGreaterThan(3);
      expect(one!.human_speedup_ratio).toBeCloseTo(one!.pred_speedup_ratio / one!.gold_speedup_ratio, 9);
      expect(two!.correctness).toBe(0);
      expect(two!.pred_speedup_ratio).toBe(1);
      expect(two!.human_speedup_ratio).toBeCloseTo(1 / two!.gold_speedup_ratio, 9);
      const report = await cli(['swefficiency', 'report', '--csv', csv, '--json']);
      const summary = JSON.parse(report.out) as {
        instances: number;
        correctness: number;
        hmSpeedupRatio: number;
      };
      expect(summary.instances).toBe(2);
      expect(summary.correctness).toBe(0.5);
      const hm = 2 / (1 / one!.human_speedup_ratio + 1 / two!.human_speedup_ratio);
      expect(summary.hmSpeedupRatio).toBeCloseTo(hm, 9);
    },
    180_000, // two instances, gold and prediction runs each, on a loaded machine
  );
});
