// The fast layer's list of real-evaluation files names files that exist, so a rename cannot quietly move one back;
// and a file that starts real evaluations or a tsx child process cannot join the fast layer unnoticed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excludedFor, isolatedFor, REAL_EVALUATION_FILES, SERVICE_KINDS, SERVICE_SUITES } from './layers.js';

const root = path.resolve(import.meta.dirname, '..');

/**
 * What means real evaluations or child processes: the local sandbox (imported or created), the inline executor,
 * the evaluator runners, the SWE fixtures' evaluations, Debian-tree rebuilds, databases made by real CLI runs;
 * the CLI or the loop started as a child process under tsx (its start-up alone compiles the sources again).
 */
const REAL_RUN_MARKERS = [
  /sandboxes\/local\//,
  /createSandbox\(\s*'local'/,
  /new InlineExecutor\(/,
  /\/run-evaluator\.js'/,
  /fixtures\/swe\/fixture\.js'/,
  /fixtures\/swe-real\/real\.js'/,
  /helpers\/real-runs-db\.js'/,
  /helpers\/adrs-cli\.ts/,
  /'--import',\s*'tsx'/,
];

/** The fast layer's files: every *.test.ts under test/ but the service suites and the real-evaluation files. */
function fastFiles(): string[] {
  const service = new RegExp(`\\.(${SERVICE_KINDS.join('|')})\\.test\\.ts$`);
  return readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .map((f) => `test/${f}`)
    .filter((f) => f.endsWith('.test.ts') && !service.test(f) && !REAL_EVALUATION_FILES.includes(f));
}

describe('test layers', () => {
  it('every real-evaluation file exists and is a plain test file, listed once', () => {
    const missing = REAL_EVALUATION_FILES.filter((f) => !existsSync(path.join(root, f)));
    expect(missing).toEqual([]);
    for (const f of REAL_EVALUATION_FILES)
      expect(f).toMatch(/^test\/[\w/.-]+(?<!\.(docker|slurm|browser|gpu))\.test\.ts$/);
    expect(new Set(REAL_EVALUATION_FILES).size).toBe(REAL_EVALUATION_FILES.length);
  });

  it('the fast layer leaves out both lists; the whole suite leaves out nothing', () => {
    expect(excludedFor('fast')).toEqual([...SERVICE_SUITES, ...REAL_EVALUATION_FILES]);
    expect(excludedFor(undefined)).toEqual([]);
    expect(excludedFor('all')).toEqual([]);
    expect([isolatedFor('fast'), isolatedFor(undefined), isolatedFor('all')]).toEqual([false, true, true]);
  });

  it('no fast-layer file starts real evaluations or a tsx child process (those go into REAL_EVALUATION_FILES)', () => {
    const files = fastFiles();
    expect(files.length).toBeGreaterThan(20);
    const real = files.filter((f) => {
      const text = readFileSync(path.join(root, f), 'utf8');
      return REAL_RUN_MARKERS.some((r) => r.test(text));
    });
    expect(real).toEqual([]);
  });

  it('no fast-layer file mocks a module (the fast layer shares modules across files: a mock would leak)', () => {
    const mocking = fastFiles().filter((f) =>
      /\bvi\.(do)?mock\(/i.test(readFileSync(path.join(root, f), 'utf8')),
    );
    expect(mocking).toEqual([]);
  });
});
