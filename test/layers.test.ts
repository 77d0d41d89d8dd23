// The fast layer's list of real-evaluation files names files that exist, so a rename cannot quietly move one back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excludedFor, REAL_EVALUATION_FILES, SERVICE_SUITES } from './layers.js';

const root = path.resolve(import.meta.dirname, '..');

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
  });
});
