// The static guard: refuses patches whose added lines introspect the stack, patch timers, load FFI, or reach evaluator paths.
import { RULES, RULE_IDS, languageOf } from './rules.js';
import { linesFromDiff, linesFromFiles, stripComment, type SourceLine } from './source-lines.js';
import { pythonAstViolations } from './python-ast.js';
import type { GuardConfig, GuardReport, GuardRule, GuardViolation } from './types.js';

const PRAGMA = /adrs:\s*allow\s+([\w-]+(?:\s*,\s*[\w-]+)*)/;

function pragmaRules(line: SourceLine | undefined, trustAdded: boolean): string[] {
  if (!line || (line.added && !trustAdded)) return [];
  const m = PRAGMA.exec(line.text);
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}

function activeRules(config: GuardConfig): GuardRule[] {
  const allow = new Set(config.allow ?? []);
  const deny = new Set(config.deny ?? []);
  return RULES.filter((r) => !allow.has(r.id) && (!r.optIn || deny.has(r.id)));
}

function checkFile(
  file: string,
  lines: SourceLine[],
  rules: GuardRule[],
  config: GuardConfig,
): GuardViolation[] {
  const language = languageOf(file);
  const applicable = rules.filter(
    (r) => r.languages.includes('any') || (language && r.languages.includes(language)),
  );
  const byNumber = new Map(lines.map((l) => [l.line, l]));
  const paths = (config.protectedPaths ?? []).filter((p) => p.length > 1);
  const trust = config.trustPatchPragmas ?? false;
  const out: GuardViolation[] = [];
  for (const line of lines) {
    if (!line.added) continue;
    const code = stripComment(line.text, language);
    const exempt = new Set([...pragmaRules(line, trust), ...pragmaRules(byNumber.get(line.line - 1), trust)]);
    const hits = new Set<string>();
    for (const rule of applicable) {
      if (!exempt.has(rule.id) && rule.patterns.some((p) => p.test(code))) hits.add(rule.id);
    }
    const accessOn = applicable.some((r) => r.id === 'evaluator-access') && !exempt.has('evaluator-access');
    if (accessOn && paths.some((p) => code.includes(p))) hits.add('evaluator-access');
    for (const rule of hits) out.push({ rule, file, line: line.line, text: line.text.trim().slice(0, 200) });
  }
  return out;
}

function report(violations: GuardViolation[]): GuardReport {
  if (violations.length === 0) return { ok: true, violations, reason: '' };
  const first = violations[0]!;
  const what = RULES.find((r) => r.id === first.rule)?.what ?? first.rule;
  const more = violations.length > 1 ? ` (+${violations.length - 1} more)` : '';
  return {
    ok: false,
    violations,
    reason:
      `guard refused the patch: ${first.file}:${first.line} [${first.rule}] ${what}: \`${first.text}\`${more}` +
      ` (if the problem needs this, add "${first.rule}" to guard.allow in problem.yaml)`,
  };
}

function checkUnknown(config: GuardConfig): void {
  for (const id of [...(config.allow ?? []), ...(config.deny ?? [])]) {
    if (!RULE_IDS.includes(id))
      throw new RangeError(`guard: unknown rule "${id}" (known rules: ${RULE_IDS.join(', ')})`);
  }
}

/**
 * Checks the lines a candidate adds to the seed, file by file.
 * @example guardFiles({ 'a.py': 'x = 1\n' }, { 'a.py': 'import ctypes\nx = 1\n' }).violations[0]?.rule // 'ffi'
 */
export function guardFiles(
  seed: Record<string, string>,
  candidate: Record<string, string>,
  config: GuardConfig = {},
): GuardReport {
  checkUnknown(config);
  if (config.enabled === false) return report([]);
  const rules = activeRules(config);
  const violations: GuardViolation[] = [];
  const python: Record<string, { text: string; lines: SourceLine[] }> = {};
  for (const [file, text] of Object.entries(candidate).sort(([a], [b]) => a.localeCompare(b))) {
    if (seed[file] === text) continue;
    const lines = linesFromFiles(seed[file], text);
    violations.push(...checkFile(file, lines, rules, config));
    if (languageOf(file) === 'python') python[file] = { text, lines };
  }
  // Whole files parse, so the syntax-tree rules see through folding and computed names the line rules miss.
  // A line the line rules already refused is reported once; pragmas exempt tree findings as they do line ones.
  const lineHits = new Set(violations.map((v) => `${v.file}:${v.line}`));
  const trust = config.trustPatchPragmas ?? false;
  for (const v of pythonAstViolations(python, new Set(rules.map((r) => r.id)))) {
    const lines = python[v.file]!.lines;
    const at = (n: number) => lines.find((l) => l.line === n);
    const exempt = [...pragmaRules(at(v.line), trust), ...pragmaRules(at(v.line - 1), trust)];
    if (!lineHits.has(`${v.file}:${v.line}`) && !exempt.includes(v.rule)) violations.push(v);
  }
  return report(violations);
}

/** Checks the added lines of a unified diff (e.g. an agent-mode patch or a stored candidate patch). */
export function guardDiff(diffText: string, config: GuardConfig = {}): GuardReport {
  checkUnknown(config);
  if (config.enabled === false) return report([]);
  const rules = activeRules(config);
  const violations: GuardViolation[] = [];
  for (const [file, lines] of linesFromDiff(diffText))
    violations.push(...checkFile(file, lines, rules, config));
  return report(violations);
}
