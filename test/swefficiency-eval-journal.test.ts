// `adrs swefficiency eval` keeps what it finished: rows written as they finish, a reason per refusal, --resume.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { gitDiff } from '../orchestrator/export/git-diff.js';
import { feedbackFile, finishedRows, ReportJournal } from '../problems/src/swefficiency/eval-journal.js';
import { evaluatePredictions, reasonLine } from '../problems/src/swefficiency/eval-predictions.js';
import { readReportCsv } from '../problems/src/swefficiency/report.js';
import { INSTANCES_FILE, REPOS_DIR, fixtureInstances, fixtureText } from './fixtures/swe/fixture.js';
import { loudSkip, pythonLacks } from './helpers/python-modules.js';

// --resume evaluates a prediction for real: the fixture's tests run under pytest.
const noPytest = loudSkip('swefficiency-eval-journal (the real --resume)', pythonLacks(['pytest']));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-journal-'));
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

describe('swefficiency eval journal', () => {
  it('reasonLine keeps the first line of the feedback, shortened', () => {
    expect(reasonLine('\n2 of 8 PASS_TO_PASS tests fail: a, b\nmore')).toBe(
      '2 of 8 PASS_TO_PASS tests fail: a, b',
    );
    expect(reasonLine('x'.repeat(500)).length).toBe(240);
  });

  it('an interrupted eval keeps every finished row with its feedback; --resume runs only the rest', async (ctx) => {
    ctx.skip(noPytest);
    const instances = (await fixtureInstances()).slice(0, 2);
    const base = { 'textstats/core.py': fixtureText('repos/adrs-fixtures__textstats/textstats/core.py') };
    const broken = gitDiff(base, { 'textstats/core.py': fixtureText('candidates/broken-core.py') });
    const preds = [
      { instance_id: instances[0]!.instance_id, model_patch: broken, model_name_or_path: 'm' },
      { instance_id: instances[1]!.instance_id, model_patch: instances[1]!.patch, model_name_or_path: 'm' },
    ];
    const predsFile = path.join(dir, 'preds.jsonl');
    writeFileSync(predsFile, preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const csv = path.join(dir, 'report.csv');
    const gold = path.join(dir, 'gold.csv');
    writeFileSync(
      gold,
      'instance_id,raw_pred_speedup_ratio,pred_speedup_ratio,gold_speedup_ratio,human_speedup_ratio,correctness,correctness_pct,pre_edit_runtime,patch_length\n' +
        instances.map((i) => `${i.instance_id},10,10,10,1,1,1,0.1,5`).join('\n') +
        '\n',
    );
    const args = ['swefficiency', 'eval', '--predictions', predsFile, '--dataset', INSTANCES_FILE];
    const common = [
      ...args,
      '--repos',
      REPOS_DIR,
      '--gold-report',
      gold,
      '--out',
      csv,
      '--instances',
      'textstats-[12]$',
    ];

    // The first instance's row is written as it finishes; an interrupt during the second (here: the run throws, as
    // an abort does) leaves it on disk with its feedback.
    const ran: string[] = [];
    const journal = new ReportJournal(csv, []);
    await expect(
      evaluatePredictions({
        instances,
        predictions: preds,
        packages: { reposDir: REPOS_DIR, timeoutS: 300 },
        gold: new Map(instances.map((i) => [i.instance_id, { speedup: 10, preEdit: 0.1 }])),
        run: async (_problem, _patch, label) => {
          ran.push(label);
          if (ran.length === 2) throw new Error('interrupted');
          return {
            ran: true,
            correct: false,
            metrics: { raw_speedup: 5 },
            feedback: '3 of 8 PASS_TO_PASS tests fail: t1\nlog',
            details: { test_output: 'FAILED t1 - ' + 'x'.repeat(5000) },
          };
        },
        onRow: (d) => journal.add(d),
      }),
    ).rejects.toThrow('interrupted');
    expect(readReportCsv(csv).map((r) => r.instance_id)).toEqual([instances[0]!.instance_id]);
    const kept = finishedRows(csv);
    expect(kept.get(instances[0]!.instance_id)?.reason).toBe('3 of 8 PASS_TO_PASS tests fail: t1');
    // The details (here a 5,000-character test output) are kept whole in the side file.
    expect(kept.get(instances[0]!.instance_id)?.details?.test_output).toHaveLength(5012);

    // --resume: the finished row is kept (not run again: its recorded reason stays), the second one runs for real.
    const r = await cli([...common, '--resume', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/--resume: 1 finished row\(s\) kept/);
    expect(r.err).toMatch(/kept from the earlier run/);
    const out = JSON.parse(r.out) as {
      rows: {
        instance_id: string;
        reason: string;
        correctness: number;
        details?: { test_output?: string };
      }[];
      feedback: string;
    };
    expect(out.rows.map((x) => x.instance_id)).toEqual(instances.map((i) => i.instance_id));
    expect(out.rows[0]!.reason).toBe('3 of 8 PASS_TO_PASS tests fail: t1');
    expect(out.rows[0]!.details?.test_output).toHaveLength(5012);
    expect(out.rows[1]!.correctness).toBe(1);
    expect(out.rows[1]!.reason).toBe('');
    expect(existsSync(feedbackFile(csv))).toBe(true);
    expect(readFileSync(feedbackFile(csv), 'utf8').trim().split('\n')).toHaveLength(2);

    // Without --resume the whole report is made again; a refused prediction prints its one-line reason.
    const fresh = await cli([...common, '--instances', 'textstats-1$']);
    expect(fresh.code, fresh.err).toBe(0);
    expect(fresh.err).toMatch(/textstats-1: speedup 1\.000x .* - refused: /);
    expect(fresh.out).toMatch(/refused +adrs-fixtures__textstats-1: \S/);
    const line = JSON.parse(readFileSync(feedbackFile(csv), 'utf8').trim()) as {
      feedback: string;
      correct: boolean;
      details?: { test_output?: string; differential?: { ok: boolean } };
    };
    expect(line.correct).toBe(false);
    expect(line.feedback.length).toBeGreaterThan(20);
    // A real refusal's details: the test output or the differential checks' whole report, whichever refused it.
    expect(line.details?.test_output ?? line.details?.differential, JSON.stringify(line)).toBeTruthy();
  }, 300_000);
});
