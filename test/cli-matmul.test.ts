import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';

// With no API key the offline tuner searches matmul-cpu's declared knobs (tiles, loop order, unroll).
// Bounded by iterations, not by time. --no-verify keeps it to screening (A/B verification of every new best
// would take minutes here); the assertion is on the screen score, as the CLI prints it.
describe('adrs evolve problems/matmul-cpu (tuner, no API key)', () => {
  it('finds a kernel faster than the seed and prints it', { timeout: 900_000 }, async () => {
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-matmul-')), 'adrs.db');
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { PATH: process.env.PATH },
      cwd: process.cwd(),
    };
    const code = await runCli(
      ['evolve', 'problems/matmul-cpu', '--iterations', '40', '--no-verify', '--db', db, '--json'],
      io,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const seed = events.find((e) => e.type === 'candidate:evaluated' && e.iteration === 0)!;
    expect(seed.correct).toBe(true);
    const end = events.at(-1)!;
    expect(end.type).toBe('run:end');
    expect(end.bestScore as number).toBeGreaterThan(seed.score as number);
    expect(end.bestCandidateId).not.toBe(seed.candidateId);

    out = '';
    expect(await runCli(['show', end.bestCandidateId as string, '--db', db], io)).toBe(0);
    expect(out).toMatch(/edit: knobs: /);
    expect(out).toMatch(/^\+#define (TILE_I|TILE_J|TILE_K|LOOP_ORDER|UNROLL) \d+/m);
  });
});
