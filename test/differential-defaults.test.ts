// The differential checks' defaults are written twice: in the problem schema (TypeScript) and in
// adrs_diffcheck.DEFAULTS (Python, what the harness uses when a field is absent). They must agree.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemSchema } from '../problems/src/schema.js';

const HARNESS = path.join(import.meta.dirname, '..', 'evaluators', 'differential');

/** adrs_diffcheck.DEFAULTS as JSON, read by the Python that runs it (standard library only). */
function pythonDefaults(): Record<string, unknown> {
  const code = `import json, sys; sys.path.insert(0, sys.argv[1]); import adrs_diffcheck; print(json.dumps(adrs_diffcheck.DEFAULTS))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, HARNESS], { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

describe('differential defaults', () => {
  it('the problem schema and adrs_diffcheck.DEFAULTS hold the same fields and values', () => {
    const ts = problemSchema.shape.differential.parse(undefined);
    const py = pythonDefaults();
    expect(Object.keys(ts).sort()).toEqual(Object.keys(py).sort());
    expect(ts).toEqual(py);
  });

  it('an unknown field is a ConfigError from load_config, not a SystemExit', () => {
    const code = [
      'import json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'import adrs_diffcheck',
      'import os',
      'os.environ["ADRS_DIFFERENTIAL"] = json.dumps({"max_call": 3})',
      'try:',
      '    adrs_diffcheck.load_config()',
      'except adrs_diffcheck.ConfigError as e:',
      '    print("ConfigError:", e)',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', code, HARNESS], { encoding: 'utf8' });
    expect(out).toMatch(/^ConfigError: differential config: unknown field max_call/);
  });
});
