// The stand-in program that peer evaluators import (evaluators/harness/adrs_program_proxy.py): what crosses,
// what fails and how, and that a Python without the adrs_proxy codec cannot run the program at all.
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const HARNESS = path.resolve('evaluators/harness');

describe('a stand-in program (outside a sandbox: the candidate process is a plain child)', () => {
  it('crosses values, answers and errors; refuses objects and callbacks in one line; fails closed elsewhere', async () => {
    const r = await execa('/usr/bin/python3', [path.resolve('test/fixtures/proxy/drive.py')], {
      env: {
        PYTHONPATH: HARNESS,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ADRS_RESULT: '/nonexistent/secret',
      },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // Read as text, the stand-in is the program's source after one codec line.
    expect(seen.text_is_source).toBe(true);
    expect(seen.values).toEqual([3, [0, 1, 2, 3], 'int32', ['(2, 3)', '1']]);
    // The program ran in another process, with none of the evaluator's environment.
    expect(seen.where.same_pid).toBe(false);
    expect(seen.where.env).not.toContain('ADRS_RESULT');
    expect(seen.combine).toEqual([[0, 3, 6], 'float64', 1.5, '0001', [2, 3], [null, true]]);
    expect(seen.fail).toEqual(['ValueError', "the program's own error"]);
    // SystemExit in the program never ends the evaluator.
    expect(seen.leave[0]).toBe('RuntimeError');
    expect(seen.leave[1]).toMatch(/leave\(\) raised SystemExit/);
    expect(seen.opaque[0]).toBe('TypeError');
    expect(seen.opaque[1]).toMatch(
      /opaque\(\) returned is a program\.Opaque, which cannot cross.*trust_domains: false/,
    );
    expect(seen.callback[1]).toMatch(
      /combine\(\) is called across the trust-domain boundary .* is a function/,
    );
    expect(seen.thing[1]).toMatch(/THING is a program\.Opaque/);
    expect(seen.crash).toEqual([
      'RuntimeError',
      "the program's process ended while running crash() (it exited or crashed)",
    ]);
    expect(seen.after_crash).toBe(2); // a fresh process answers the next call
    expect(seen.subprocess).toBe('8.0'); // the evaluator's own Python children decode the stand-in too
    expect(seen.isolated[0]).not.toBe(0);
    expect(seen.isolated[1][0]).toMatch(/SyntaxError: unknown encoding: adrs_proxy/);
    expect(seen.isolated[2]).toBe('');
    expect(seen.script[0]).not.toBe(0);
    expect(seen.script[1][0]).toMatch(/cannot run as a script in the evaluator's domain/);
  }, 60_000);
});
