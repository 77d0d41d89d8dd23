// Turns a KernelBench problem file (class Model, get_inputs, get_init_inputs) into a native problem package.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';

/** The KernelBench driver every imported package's evaluator folder gets (the kernel harness is mounted by the platform). */
const KERNELBENCH = ['kernelbench_evaluate.py', 'kernelbench_child.py'];
const CANDIDATE = 'model_new.py';
const DESCRIPTION_SOURCE_MAX = 8000;

export interface KernelBenchImport {
  /** The package folder written. */
  dir: string;
  name: string;
  /** "fp32" unless the reference itself uses half precision ("half"). */
  precision: 'fp32' | 'half';
}

/** A problem name from a KernelBench file name, e.g. "1_Square_matrix_multiplication_.py" -> "kb-1-square-matrix-multiplication". */
export function kernelBenchName(file: string): string {
  const slug = path
    .basename(file, '.py')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.startsWith('kb-') ? slug : `kb-${slug || 'problem'}`;
}

/** Checks that `source` looks like a KernelBench problem; throws InputError naming what is missing. */
export function checkKernelBenchSource(file: string, source: string): void {
  const need: [RegExp, string][] = [
    [/^class\s+Model\s*\(/m, 'a top-level `class Model(nn.Module)`'],
    [/^def\s+get_inputs\s*\(/m, 'a top-level `def get_inputs()`'],
    [/^def\s+get_init_inputs\s*\(/m, 'a top-level `def get_init_inputs()`'],
  ];
  const missing = need.filter(([re]) => !re.test(source)).map(([, what]) => what);
  if (missing.length)
    throw new InputError(
      `${file}: not a KernelBench problem file: it lacks ${missing.join(', ')} (see README "KernelBench problems")`,
    );
}

/** Removes the top-level functions `names` (def line through the line before the next top-level statement). */
function dropTopLevelFunctions(source: string, names: string[]): string {
  const lines = source.split('\n');
  const out: string[] = [];
  let skipping = false;
  for (const line of lines) {
    const topLevel = /^\S/.test(line) && !line.startsWith('#');
    if (topLevel) skipping = names.some((n) => new RegExp(`^def\\s+${n}\\s*\\(`).test(line));
    if (!skipping) out.push(line);
  }
  return out.join('\n').replace(/\n{3,}$/, '\n');
}

/** The seed: the reference with Model renamed ModelNew and the input factories removed, inside an EVOLVE-BLOCK. */
export function kernelBenchSeed(file: string, source: string): string {
  const body = dropTopLevelFunctions(source, ['get_inputs', 'get_init_inputs'])
    .replace(/^class\s+Model\b/m, 'class ModelNew')
    .replace(/\bsuper\s*\(\s*Model\s*,/g, 'super(ModelNew,')
    .trimEnd();
  return (
    `# ModelNew for the KernelBench problem ${path.basename(file)}: the same __init__ and forward as the\n` +
    `# reference Model (see the problem description), made faster with custom CUDA (load_inline) or Triton kernels.\n` +
    `# The seed is a copy of the reference.\n` +
    `# EVOLVE-BLOCK-START\n${body}\n# EVOLVE-BLOCK-END\n`
  );
}

function description(file: string, source: string, precision: string): string {
  const shown =
    source.length > DESCRIPTION_SOURCE_MAX ? source.slice(0, DESCRIPTION_SOURCE_MAX) + '\n# ...' : source;
  return (
    `KernelBench problem ${path.basename(file)}, imported by adrs. Write ${CANDIDATE} defining class ModelNew ` +
    `with the same __init__(*get_init_inputs()) and forward(*get_inputs()) as Model below, computing the same ` +
    `output faster on the GPU (custom CUDA via torch.utils.cpp_extension.load_inline, or Triton).\n\n` +
    `Correctness (KernelBench semantics): 5 trials with seeds derived from 42, fresh get_inputs() each, the ` +
    `reference run first on its own copy of the inputs; the output must be a plain tensor of the reference's ` +
    `dtype and shape within allclose(atol = rtol = 1e-4) for fp32 (1e-2 for fp16/bf16). Score: speedup = ` +
    `reference time / ModelNew time (CUDA events, L2 flushed before every call, median of 100 calls); more ` +
    `than 10x is flagged. Refused: side CUDA streams, threads, tensor subclasses, patching timers or torch, ` +
    `precision downgrades (policy ${precision}), modified inputs, cached or aliased outputs, results that ` +
    `differ between two runs.\n\nThe reference (${path.basename(file)}):\n\n${shown}`
  );
}

/** Where the Python assets live (next to this module in the sources; from dist/ read from the package sources). */
function asset(folder: string[], name: string): string {
  const file = assetPath(...folder, name);
  if (!existsSync(file)) throw new Error(`adrs: missing packaged file ${file} (reinstall adrs)`);
  return file;
}

/**
 * Writes a problem package for the KernelBench problem `file` into `outDir` (which must not exist or be
 * empty): problem.yaml, seed/model_new.py, evaluator/ (reference.py, kernelbench.json, the evaluator).
 *
 * @example
 * importKernelBench('level1/1_Square_matrix_multiplication_.py', 'problems/kb-1-square-matmul');
 */
export function importKernelBench(file: string, outDir: string, name?: string): KernelBenchImport {
  if (!existsSync(file) || !file.endsWith('.py'))
    throw new InputError(
      `${file}: no such Python file (give a KernelBench problem file, e.g. 1_Square_matrix_multiplication_.py)`,
    );
  if (existsSync(outDir) && readdirSync(outDir).length > 0)
    throw new InputError(`${outDir}: folder exists and is not empty (choose a new folder)`);
  const source = readFileSync(file, 'utf8');
  checkKernelBenchSource(file, source);
  const problemName = name ?? kernelBenchName(file);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(problemName))
    throw new InputError(`--name ${problemName}: use lower-case letters, digits, ".", "_" or "-"`);
  const precision = /\b(float16|half|bfloat16)\b/.test(source) ? 'half' : 'fp32';
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(path.join(outDir, 'seed'), { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  writeFileSync(path.join(outDir, 'seed', CANDIDATE), kernelBenchSeed(file, source));
  writeFileSync(path.join(evalDir, 'reference.py'), source);
  for (const f of KERNELBENCH)
    copyFileSync(asset(['problems', 'src', 'kernelbench'], f), path.join(evalDir, f));
  writeFileSync(
    path.join(evalDir, 'kernelbench.json'),
    JSON.stringify({ source: path.basename(file), seed: 42, correctness_trials: 5, precision }, null, 2) +
      '\n',
  );
  const spec = {
    name: problemName,
    description: description(file, source, precision),
    language: 'python',
    seed: { dir: 'seed', files: [CANDIDATE] },
    evaluator: { dir: 'evaluator', command: ['/usr/bin/python3', '{problem}/kernelbench_evaluate.py'] },
    metrics: [
      {
        name: 'speedup',
        direction: 'maximize',
        description: 'reference time / ModelNew time, timed the same way',
      },
      { name: 'runtime_ms', direction: 'minimize', description: 'median ModelNew time per call, ms' },
      {
        name: 'ref_runtime_ms',
        direction: 'minimize',
        description: 'median reference Model time per call, ms',
      },
    ],
    primary: 'speedup',
    timing: { key: 'kernel', screen_samples: 3, verify_samples: 10, max_samples: 40, min_effect: 0.02 },
    timeouts: { screen: 180, verify: 300, time: 120 },
    resources: { cpus: 2, memory_mb: 16384, pids: 256, gpus: 1, disk_mb: 4096 },
    sandbox: { image: 'adrs-cuda' },
  };
  writeFileSync(
    path.join(outDir, 'problem.yaml'),
    `# Imported from the KernelBench problem ${path.basename(file)} by adrs (adrs problems import kernelbench).\n` +
      toYaml(spec, { lineWidth: 0 }),
  );
  return { dir: outDir, name: problemName, precision };
}
