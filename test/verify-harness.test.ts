// The Python harness for problem authors: adrs_compare (first difference as text) and adrs_eval (result writing, bound clock).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatorResultSchema } from '../evaluators/result.js';
import { HARNESS } from './fixtures/gaming/fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'adrs-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function py(code: string, env: Record<string, string> = {}): string {
  return execFileSync('/usr/bin/python3', ['-c', code], {
    env: { PYTHONPATH: HARNESS, PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  }).trim();
}

/** compare(actual, expected) for Python expressions, as printed by Python. */
function cmp(actual: string, expected: string, extra = ''): string {
  return py(
    `import numpy as np\nfrom adrs_compare import compare\nprint(compare(${actual}, ${expected}${extra}))`,
  );
}

describe('adrs_compare.compare', () => {
  it.each([
    ['1.0', '1.0 + 1e-12', 'None'],
    ['1.0', '1.1', 'output: got 1.0, expected 1.1 (|diff| 0.1 > atol 1e-09 + rtol 1e-06 * |expected|)'],
    ['3', '4', 'output: got 3, expected 4'],
    ['True', '1', 'output: got True, expected 1'],
    ['float("nan")', 'float("nan")', 'None'],
    [
      '[1, 2, {"a": (1.0, 2.0)}]',
      '[1, 2, {"a": (1.0, 2.5)}]',
      "[2]['a'][1]: got 2.0, expected 2.5 (|diff| 0.5 > atol 1e-09 + rtol 1e-06 * |expected|)",
    ],
    ['[1, 2]', '[1, 2, 3]', 'output: length 2, expected 3'],
    ['{"a": 1}', '{"a": 1, "b": 2}', "output: missing key 'b'"],
    ['{1, 2}', '{1, 3}', 'output: sets differ (missing 3)'],
    [
      'np.arange(6.0).reshape(2, 3)',
      'np.array([[0, 1, 2], [3, 4.5, 5]])',
      'output[1, 1]: got 4.0, expected 4.5 (1 of 6 elements differ)',
    ],
    ['np.zeros(3)', 'np.zeros(4)', 'output: shape (3,), expected (4,)'],
    ['np.array([1, 2])', 'np.array([1, 2])', 'None'],
    ['[1, 2]', 'np.array([1, 2])', 'output: got list, expected ndarray'],
    ['"abc"', '"abd"', "output: got 'abc', expected 'abd'"],
    ['None', '0', 'output: got NoneType None, expected int 0'],
  ])('compare(%s, %s) -> %s', (actual, expected, want) => {
    expect(cmp(actual, expected)).toBe(want);
  });

  it('honours rtol and atol', () => {
    expect(cmp('1.0', '1.001', ', rtol=1e-2')).toBe('None');
    expect(cmp('np.array([1e-12])', 'np.array([0.0])', ', atol=1e-9')).toBe('None');
    expect(cmp('np.array([1e-3])', 'np.array([0.0])', ', atol=1e-9')).toMatch(
      /^output\[0\]: got 0\.001, expected 0\.0/,
    );
  });
});

describe('adrs_eval', () => {
  it('writes a result the platform accepts', () => {
    const result = path.join(dir, 'r.json');
    py(
      'import adrs_eval\nadrs_eval.write_result(True, metrics={"t": 1}, timings={"k": [0.5, 0.25]}, feedback="fine", checks=[{"name": "x", "ok": True}])',
      { ADRS_RESULT: result },
    );
    const parsed = evaluatorResultSchema.parse(JSON.parse(readFileSync(result, 'utf8')));
    expect(parsed).toMatchObject({
      correct: true,
      metrics: { t: 1 },
      timings: { k: [0.5, 0.25] },
      feedback: 'fine',
    });
  });

  it('reads stage, seed and sample index from the environment', () => {
    const out = py(
      'import adrs_eval\nc = adrs_eval.context()\nprint(c.stage, c.seed, c.samples, c.sample_index)',
      {
        ADRS_STAGE: 'time',
        ADRS_SEED: '42',
        ADRS_SAMPLES: '3',
        ADRS_SAMPLE_INDEX: '7',
      },
    );
    expect(out).toBe('time 42 3 7');
  });

  it('keeps measuring with the real clock after time.perf_counter is replaced', () => {
    const out = py(
      'import time, adrs_eval\ntime.perf_counter = lambda: 0.0\nsecs, _ = adrs_eval.time_call(time.sleep, 0.02)\nprint(secs >= 0.02)',
    );
    expect(out).toBe('True');
  });
});
