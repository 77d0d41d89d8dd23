// Real OpenEvolve example folders (vendored unchanged) run through adrs and match their own evaluators run directly.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { resolveRunConfig } from '../orchestrator/config/load-config.js';
import { peerRunConfig } from '../orchestrator/cli/peer-config.js';
import { loadProblem } from '../problems/src/load.js';
import { readOpenEvolveConfig } from '../problems/src/openevolve/config.js';

const PEERS = path.resolve('test/fixtures/peers/openevolve');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { ...process.env },
  });
  return { code, out, err };
}

async function evalJson(folder: string, program?: string) {
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-peer-oe-')), 'adrs.db');
  const r = await cli(['eval', folder, ...(program ? ['--program', program] : []), '--json', '--db', db]);
  expect(r.err).not.toMatch(/^adrs: /m);
  return JSON.parse(r.out.trim());
}

describe('OpenEvolve examples run unchanged (expected values: their evaluators run directly, see SOURCE.md)', () => {
  it('function_minimization imports openevolve.evaluation_result and runs its default cascade', async () => {
    const r = await evalJson(
      path.join(PEERS, 'function_minimization'),
      path.join(PEERS, 'fm_fixed_candidate.py'),
    );
    expect(r.status).toBe('ok');
    // Stage 1 (1.3997 >= the config's threshold 1.3) then stage 2, merged as OpenEvolve merges them.
    expect(r.checks.map((c: { name: string }) => c.name)).toEqual(['stage1', 'stage2']);
    expect(r.metrics).toEqual({
      runs_successfully: 1.0,
      value_score: 0.9996855311729445,
      distance_score: 1.0,
      reliability_score: 1.0,
      combined_score: 1.4997641483797082,
    });
  }, 120_000);

  it('function_minimization with its own random initial program is correct and scores in its range', async () => {
    const r = await evalJson(path.join(PEERS, 'function_minimization'));
    expect(r.status).toBe('ok');
    // Unseeded random search: stage 1 alone (below the 1.3 threshold) or stages 1 and 2, as the draw goes.
    expect(Object.keys(r.metrics)).toEqual(
      expect.arrayContaining(['combined_score', 'distance_score', 'runs_successfully', 'value_score']),
    );
    // Direct runs gave 1.401-1.403 after stage 2; stage 1 alone scores lower.
    expect(r.metrics.combined_score).toBeGreaterThan(0.5);
    expect(r.metrics.combined_score).toBeLessThan(1.6);
  }, 120_000);

  it('circle_packing (dict results, subprocess inside its evaluator) matches digit for digit', async () => {
    const r = await evalJson(path.join(PEERS, 'circle_packing'));
    expect(r.status).toBe('ok');
    expect(r.checks.map((c: { name: string }) => c.name)).toEqual(['stage1']);
    expect(r.metrics).toEqual({
      validity: 1.0,
      sum_radii: 0.9597642169962064,
      target_ratio: 0.36423689449571406,
      combined_score: 0.36423689449571406,
    });
    expect(r.feedback).toMatch(/below the cascade threshold 0.5/);
  }, 120_000);

  it('function_minimization config.yaml takes effect: iterations, both models with weights, api_base, sizes', () => {
    const problem = loadProblem(path.join(PEERS, 'function_minimization'));
    const warnings: string[] = [];
    const base = peerRunConfig(problem, {}, (l) => warnings.push(l));
    const config = resolveRunConfig({ flags: {}, cwd: process.cwd(), base });
    expect(config.iterations).toBe(10);
    expect(config.proposer).toBe('ensemble');
    const api = 'https://generativelanguage.googleapis.com/v1beta/openai/';
    expect(config.models).toEqual([
      { proposer: 'openai', model: 'gemini-2.5-flash-lite', weight: 0.8, baseUrl: api },
      { proposer: 'openai', model: 'gemini-2.5-flash', weight: 0.2, baseUrl: api },
    ]);
    expect(config.temperature).toBe(0.7);
    expect(config.maxTokens).toBe(16000);
    expect(config.islands).toBe(3);
    expect(config.archiveSize).toBe(20);
    expect(config.islandCapacity).toBe(16); // population_size 50 over 3 islands
    expect(config.evalConcurrency).toBe(3);
    expect(config.editMode).toBe('diff');
    expect(problem.spec.timeouts.screen).toBe(60);
    // Unknown keys: one warning; the api key's value never appears (only its name, were it there).
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/checkpoint_interval.*database.elite_selection_ratio/);
  });

  it('CLI flags override config.yaml, and a model flag replaces its model choice whole', () => {
    const problem = loadProblem(path.join(PEERS, 'function_minimization'));
    const flags = { iterations: 3, model: 'claude-sonnet-4-5', proposer: 'anthropic' };
    const config = resolveRunConfig({
      flags,
      cwd: process.cwd(),
      base: peerRunConfig(problem, flags, () => {}),
    });
    expect(config.iterations).toBe(3);
    expect(config.proposer).toBe('anthropic');
    expect(config.model).toBe('claude-sonnet-4-5');
    expect(config.models).toBeUndefined();
    expect(config.baseUrl).toBeUndefined();
    expect(config.islands).toBe(3); // still from config.yaml
  });

  it('a config.yaml problem is a warning for eval and a one-line refusal for evolve', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-oe-badcfg-'));
    for (const f of ['evaluator.py', 'initial_program.py'])
      writeFileSync(path.join(dir, f), readFileSync(path.join(PEERS, 'circle_packing', f)));
    writeFileSync(path.join(dir, 'config.yaml'), 'max_iterations: ten\nllm:\n  api_key: sk-not-a-real-key\n');
    const db = path.join(dir, 'adrs.db');
    const ev = await cli(['eval', dir, '--json', '--db', db]);
    expect(JSON.parse(ev.out.trim()).status).toBe('ok');
    expect(ev.err).toMatch(
      /config.yaml: field "max_iterations": expected a number, got "ten" \(ignored by eval/,
    );
    const evo = await cli(['evolve', dir, '--proposer', 'tune', '--db', db]);
    expect(evo.code).toBe(2);
    expect(evo.err).toMatch(/field "max_iterations": expected a number/);
    expect(evo.err + ev.err).not.toContain('sk-not-a-real-key');
  }, 120_000);

  it("attention_optimization's config.yaml (accepted by PyYAML, refused by strict YAML 1.2) parses as PyYAML reads it", () => {
    const { settings, errors } = readOpenEvolveConfig(path.join(PEERS, 'attention_optimization'));
    expect(errors).toEqual([]);
    // PyYAML: yaml.safe_load(...)['prompt']['system_message'] starts with this (folded, leading space kept).
    expect(
      settings.systemMessage?.startsWith(' You are an expert MLIR compiler optimization specialist'),
    ).toBe(true);
    expect(settings.systemMessage).toContain('- **row_major**: Standard layout');
  });
});

describe('the shim reads results as OpenEvolve does', () => {
  const RET = path.resolve('test/fixtures/openevolve/returns');
  const withMetrics = (metrics: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-ret-'));
    const file = path.join(dir, 'initial_program.py');
    writeFileSync(file, `METRICS = ${metrics}\n`);
    return file;
  };

  it('booleans and feature dimensions stay out of the fallback fitness; a count named correct is a count', async () => {
    const r = await evalJson(RET);
    expect(r.status).toBe('ok');
    expect(r.metrics.combined_score).toBeCloseTo((3 + 0.4) / 2, 12); // not passed (bool), not complexity (feature)
    expect(r.metrics.correct).toBe(3);
  }, 60_000);

  it('a program that did not compile (compile_success 0.0, as rust_adaptive_sort reports) is not correct', async () => {
    const r = await evalJson(RET, withMetrics('{"score": 0.0, "compile_success": 0.0}'));
    expect(r.status).not.toBe('ok');
    expect(r.feedback).toMatch(/compile_success = 0.0/);
  }, 60_000);

  it('OpenEvolve\'s own failure shapes ({"error": 0.0}, timeout True) are not correct', async () => {
    for (const m of ['{"error": 0.0}', '{"error": 0.0, "timeout": True, "score": 1.0}']) {
      const r = await evalJson(RET, withMetrics(m));
      expect(r.status, m).not.toBe('ok');
    }
  }, 60_000);
});
