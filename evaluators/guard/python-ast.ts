// Syntax-tree rules for Python candidates: runs py_ast_guard.py (which parses, never runs, the code) and keeps findings on added lines.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { assetPath } from '../../core/paths.js';
import type { SourceLine } from './source-lines.js';
import type { GuardViolation } from './types.js';

const SCRIPT = assetPath('evaluators', 'guard', 'py_ast_guard.py');
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));

interface Finding {
  file: string;
  line: number;
  rule: string;
  why: string;
}

/**
 * Findings of the syntax-tree rules on the added lines of each Python file, for the rules in `active`.
 * Without python3 on this machine it returns nothing (the line rules and the trust domains still apply).
 */
export function pythonAstViolations(
  files: Record<string, { text: string; lines: SourceLine[] }>,
  active: ReadonlySet<string>,
): GuardViolation[] {
  const names = Object.keys(files);
  if (!PYTHON || names.length === 0) return [];
  const input = JSON.stringify({ files: Object.fromEntries(names.map((n) => [n, files[n]!.text])) });
  const run = spawnSync(PYTHON, ['-I', '-S', SCRIPT], { input, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) return [];
  let findings: Finding[];
  try {
    findings = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
  } catch {
    return [];
  }
  const out: GuardViolation[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    const line = files[f.file]?.lines.find((l) => l.line === f.line);
    if (!line?.added || !active.has(f.rule)) continue;
    const key = `${f.file}:${f.line}:${f.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      rule: f.rule,
      file: f.file,
      line: f.line,
      text: `${line.text.trim().slice(0, 160)} (${f.why})`,
    });
  }
  return out;
}
