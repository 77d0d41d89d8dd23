import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitDiff } from '../orchestrator/export/git-diff.js';

function applyWithGit(before: Record<string, string>, patch: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-gitdiff-'));
  for (const [name, content] of Object.entries(before)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(path.join(dir, 'p.diff'), patch);
  execFileSync('git', ['apply', '--check', 'p.diff'], { cwd: dir });
  execFileSync('git', ['apply', 'p.diff'], { cwd: dir });
  return dir;
}

describe('gitDiff', () => {
  it('produces a patch git applies: edits, missing final newlines, new files, nested paths', () => {
    const before = { 'a.py': 'x = 1\ny = 2\nz = 3\n', 'lib/b.c': 'int f(void) { return 1; }' };
    const after = {
      'a.py': 'x = 1\ny = 20\nz = 3\n',
      'lib/b.c': 'int f(void) { return 2; }',
      'new.txt': 'hello\n',
    };
    const patch = gitDiff(before, after);
    expect(patch).toContain('diff --git a/a.py b/a.py');
    const dir = applyWithGit(before, patch);
    for (const [name, content] of Object.entries(after))
      expect(readFileSync(path.join(dir, name), 'utf8')).toBe(content);
  });

  it('is empty when nothing changed', () => {
    expect(gitDiff({ a: 'x\n' }, { a: 'x\n' })).toBe('');
  });
});
