// The basic session surface, the same for every sandbox kind: a fresh workspace, file transfers, stdin, cwd, close.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { SEED, type ConformanceTarget, type Harness } from './target.js';

/** Registers the file and lifecycle cases in the calling describe block. */
export function fileCases<S extends Sandbox>(h: Harness<S>, target: ConformanceTarget<S>): void {
  it('gives each session a fresh copy of the workspace and runs the candidate there as the sandbox user', async () => {
    const first = await h.open();
    const run = await first.exec(['python3', 'candidate.py']);
    expect(run).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    expect(run.stdoutTail).toMatch(/^seed \d+\n$/);
    if (!target.lacks.sandboxUser)
      expect(target.isCandidateUid(Number(run.stdoutTail.split(' ')[1])), run.stdoutTail).toBe(true);
    const wrote = await first.exec(['/bin/sh', '-c', 'echo changed > candidate.py && echo new > extra.txt']);
    expect(wrote.exitCode).toBe(0);
    expect((await first.readFile('extra.txt'))?.toString()).toBe('new\n');
    const second = await h.open();
    expect((await second.readFile('candidate.py'))?.toString()).toBe(SEED);
    expect(await second.readFile('extra.txt')).toBeUndefined();
    expect(readFileSync(path.join(h.workspaceDir(), 'candidate.py'), 'utf8')).toBe(SEED);
  });

  it('writes and reads relative to the workspace, and the candidate can use what was written', async () => {
    const session = await h.open();
    expect((await session.readFile('pkg/data.txt'))?.toString()).toBe('nested');
    await session.writeFile('inputs/deep/data.txt', 'abc');
    const result = await session.exec([
      '/bin/sh',
      '-c',
      'cat inputs/deep/data.txt && echo def >> inputs/deep/data.txt',
    ]);
    expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'abc' });
    expect((await session.readFile('inputs/deep/data.txt'))?.toString()).toBe('abcdef\n');
    expect((await session.readFile('inputs/deep/data.txt', 2))?.toString()).toBe('ab');
    expect(await session.readFile('missing.json')).toBeUndefined();
    await expect(session.writeFile('../x', 'x')).rejects.toBeInstanceOf(InputError);
    await expect(session.writeFile('/etc/adrs-x', 'x')).rejects.toBeInstanceOf(InputError);
    await expect(session.readFile('a/../../etc/passwd')).rejects.toBeInstanceOf(InputError);
  });

  it('feeds stdin and runs in a cwd inside the workspace or its read-only folders', async () => {
    const session = await h.open();
    await session.writeFile('sub/marker.txt', 'here');
    const piped = await session.exec(['/bin/cat'], { stdin: 'from stdin' });
    expect(piped).toMatchObject({ exitCode: 0, stdoutTail: 'from stdin' });
    const inSub = await session.exec(['/bin/cat', 'marker.txt'], { cwd: `${session.workspace}/sub` });
    expect(inSub.stdoutTail).toBe('here');
    const inMount = await session.exec(['/bin/cat', 'score.txt'], { cwd: session.mounts.problem! });
    expect(inMount.stdoutTail).toBe('42');
    const missing = await session.exec(['no-such-program-adrs']);
    expect(missing.exitCode).not.toBe(0);
  });

  it('close kills running execs, is idempotent, and refuses execs afterwards', async () => {
    const session = await h.open();
    const running = h.fixture(session, 'fork-ignore-term.py', [], 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await session.close();
    const result = await running;
    expect(result.exitCode).toBeNull();
    expect(result.timedOut).toBe(false);
    await target.nothingLeft(session, h.sandbox, h.marker);
    await session.close();
    await expect(session.exec(['/bin/true'])).rejects.toThrow(/closed/);
  });
}
