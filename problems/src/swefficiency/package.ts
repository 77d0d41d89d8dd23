// Turns a SWE-fficiency instance into a native problem package (problem.yaml, seed/ = the repo at base_commit, evaluator/).
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';
import { hashTree } from '../hash.js';
import { loadProblem, type LoadedProblem } from '../load.js';
import { buildRepoFromFiles, checkoutAt, trackedFiles } from './git-repo.js';
import type { SweInstance } from './instance-schema.js';

export const HARNESS_FILES = [
  'swe_eval.py',
  'swe_workload.py',
  'swe_guard.py',
  'swe_specs.py',
  'swe_domain.py',
  'swe_clock.py',
  'swe_pyc.py',
] as const;

export function harnessDir(): string {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'harness');
  return existsSync(path.join(here, 'swe_eval.py'))
    ? here
    : assetPath('problems', 'src', 'swefficiency', 'harness');
}

export interface PackageOptions {
  /**
   * Folder holding one repository per instance repo, named `<owner>__<name>` (e.g. `pandas-dev__pandas`): a git
   * repository that contains base_commit, or a folder of plain files that builds (deterministically) into it.
   */
  reposDir: string;
  /** Python that runs workloads and tests inside the sandbox (real images: /opt/miniconda3/envs/testbed/bin/python). */
  python?: string;
  /** Python that runs the stdlib harness (default /usr/bin/python3). */
  harnessPython?: string;
  /** Sandbox image (default: the instance's image_name, else adrs-swe). */
  image?: string;
  /** In-sandbox repository the evaluator judges (real images: /testbed); default: the workspace itself. */
  repoDir?: string;
  /** Gold speedup for SR in the evaluator's metrics (default: the instance's `speedup` when > 0). */
  goldSpeedup?: number;
  /** Differential-check settings (problem.yaml `differential`); default: all checks on. */
  differential?: Record<string, unknown>;
  /** Seconds an evaluation may take in all (default 7200, the harness's per-step limit). */
  timeoutS?: number;
  /**
   * false: no bytecode cache of the base tree (swe_pyc.py): every repository process compiles the library from
   * source, as before it existed (for benchmarks side by side).
   */
  bytecodeCache?: boolean;
}

const SOURCE = /\.(py|pyx|pxd|pyi|c|cc|cpp|h|hpp)$/;
const TESTISH = /(^|\/)(tests?|testing)\/|(^|\/)(conftest|test_[^/]*|[^/]*_test)\.py$/;

/** The problem name for an instance id (problem names are lower case). */
export function problemName(instanceId: string): string {
  return instanceId.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

/** The repository folder for an instance under reposDir. */
export function repoSourceDir(reposDir: string, instance: SweInstance): string {
  const dir = path.join(reposDir, instance.repo.replace('/', '__'));
  if (!existsSync(dir))
    throw new InputError(
      `--repos ${reposDir}: no folder ${path.basename(dir)} for repo ${instance.repo} (clone it there, or extract /testbed from the instance image: docker cp $(docker create ${instance.image_name || 'IMAGE'}):/testbed ${dir})`,
    );
  return dir;
}

async function writeSeed(instance: SweInstance, reposDir: string, seedDir: string): Promise<void> {
  const source = repoSourceDir(reposDir, instance);
  let repo = source;
  let scratch: string | undefined;
  if (!existsSync(path.join(source, '.git'))) {
    scratch = mkdtempSync(path.join(tmpdir(), 'adrs-swe-src-'));
    repo = path.join(scratch, 'repo');
    const commit = await buildRepoFromFiles(source, repo);
    if (!commit.startsWith(instance.base_commit))
      throw new InputError(
        `${source}: these files build commit ${commit}, but ${instance.instance_id} wants base_commit ${instance.base_commit} (the files changed; rebuild the instances)`,
      );
  }
  try {
    await checkoutAt(repo, instance.base_commit, seedDir);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function description(instance: SweInstance): string {
  const statement = instance.problem_statement.trim();
  return [
    `Make the repository ${instance.repo} (at ${instance.base_commit.slice(0, 12)}) faster on the workload below ` +
      'without breaking its tests (SWE-fficiency instance ' +
      instance.instance_id +
      '). Every timed repeat runs in a fresh process, so caches across repeats do not help; the covering tests are ' +
      'reset to base_commit and must all pass; patches may not inspect the call stack. Edit any file of the repository.',
    statement ? `Context (the original pull request):\n${statement.slice(0, 4000)}` : '',
    `Workload (timed: the mean of the printed "Mean:"):\n\`\`\`python\n${instance.workload.trim()}\n\`\`\``,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** Writes the package for an instance into outDir (which must not exist or be empty). */
export async function writeInstancePackage(
  instance: SweInstance,
  outDir: string,
  opts: PackageOptions,
): Promise<void> {
  const seedDir = path.join(outDir, 'seed');
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(evalDir, { recursive: true });
  await writeSeed(instance, opts.reposDir, seedDir);
  for (const f of HARNESS_FILES) cpSync(path.join(harnessDir(), f), path.join(evalDir, f));
  writeFileSync(
    path.join(evalDir, 'workload.py'),
    instance.workload.endsWith('\n') ? instance.workload : instance.workload + '\n',
  );
  const gold = opts.goldSpeedup ?? (instance.speedup > 0 ? instance.speedup : 0);
  const timeout = opts.timeoutS ?? 7200;
  const config = {
    instance_id: instance.instance_id,
    repo: instance.repo,
    base_commit: instance.base_commit,
    covering_tests: instance.covering_tests,
    single_thread_tests: instance.single_thread_tests,
    PASS_TO_PASS: instance.PASS_TO_PASS,
    version: instance.version,
    // Empty: the harness runs the repository's own runner (swe_specs.py, as the official harness does).
    test_cmd: instance.test_cmd,
    rebuild_cmd: instance.rebuild_cmd,
    python: opts.python ?? '/usr/bin/python3',
    repo_dir: opts.repoDir ?? null,
    gold_speedup: gold,
    budget_s: timeout,
    // Differential checks against base_commit (evaluators/differential); on by default.
    differential: opts.differential ?? {},
    // The base tree's bytecode, compiled once by the evaluator and kept in the evaluator cache (swe_pyc.py).
    ...(opts.bytecodeCache === false ? { bytecode_cache: false } : {}),
  };
  writeFileSync(path.join(evalDir, 'instance.json'), JSON.stringify(config, null, 2) + '\n');
  const sources = (await trackedFiles(seedDir)).filter((f) => SOURCE.test(f) && !TESTISH.test(f));
  if (sources.length === 0)
    throw new InputError(
      `${instance.instance_id}: the repository has no tracked source files outside its tests`,
    );
  const command = [opts.harnessPython ?? '/usr/bin/python3', '{problem}/swe_eval.py'];
  const spec = {
    name: problemName(instance.instance_id),
    description: description(instance),
    language: 'python',
    seed: { dir: 'seed', files: sources },
    evaluator: {
      dir: 'evaluator',
      command,
      // A verify stage of its own: a best is judged again (patch on base_commit, guard, differential checks,
      // PASS_TO_PASS) with a fresh seed, then timed against the seed in interleaved fresh sandboxes (stage "time":
      // the workload on the workspace as it is). Without it the loop never verifies an instance's best.
      stages: { verify: command },
      // Base observations of the differential checks, kept across candidates (the harness strips ADRS_* from the
      // environment of the workload and the tests).
      cache: true,
      // Trust domains (the default, said here because it matters): the harness judges its own copy of the repo
      // and runs everything that executes it (rebuild, workload repeats, tests, differential jobs) as the candidate
      // through adrs_candidate; repeats are timed on the evaluator's clock (swe_domain.py, swe_clock.py).
      trust_domains: true,
    },
    metrics: [
      {
        name: 'speedup',
        direction: 'maximize',
        description: 'pre/post workload mean; 1.0 when anything fails',
      },
      { name: 'raw_speedup', direction: 'maximize', description: 'pre/post before the correctness gate' },
      ...(gold > 0 ? [{ name: 'sr', direction: 'maximize', description: 'speedup / expert speedup' }] : []),
    ],
    primary: 'speedup',
    timing: { key: 'workload', screen_samples: 1, verify_samples: 5, max_samples: 10, min_effect: 0.05 },
    timeouts: { screen: timeout, verify: timeout, time: Math.min(timeout, 1800) },
    resources: { cpus: 4, memory_mb: 16384, pids: 1024, disk_mb: 8192 },
    sandbox: { image: opts.image ?? (instance.image_name || 'adrs-swe') },
  };
  writeFileSync(
    path.join(outDir, 'problem.yaml'),
    `# SWE-fficiency instance ${instance.instance_id}, converted by adrs (adrs swefficiency prepare).\n` +
      toYaml(spec),
  );
}

function cacheKey(instance: SweInstance, opts: PackageOptions): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(instance));
  h.update(JSON.stringify({ ...opts, reposDir: path.resolve(opts.reposDir) }));
  h.update(hashTree(harnessDir()));
  return h.digest('hex').slice(0, 16);
}

/** The package for an instance in a cache folder keyed by the instance, the options and the harness; built once. */
export async function instancePackage(instance: SweInstance, opts: PackageOptions): Promise<string> {
  const root = path.join(tmpdir(), 'adrs-swefficiency');
  const dir = path.join(root, `${problemName(instance.instance_id)}-${cacheKey(instance, opts)}`);
  if (existsSync(path.join(dir, 'problem.yaml'))) return dir;
  mkdirSync(root, { recursive: true });
  const building = mkdtempSync(path.join(root, '.building-'));
  try {
    await writeInstancePackage(instance, building, opts);
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process built it first: keep theirs.
      if (!existsSync(path.join(dir, 'problem.yaml'))) throw error;
    }
  } finally {
    if (existsSync(building)) rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

/** The instance as a loaded problem (the cached package). */
export async function loadInstanceProblem(
  instance: SweInstance,
  opts: PackageOptions,
): Promise<LoadedProblem> {
  return loadProblem(await instancePackage(instance, opts));
}

/** Whether a folder is an (adrs-written) instance package. */
export function isInstancePackage(dir: string): boolean {
  return existsSync(path.join(dir, 'evaluator', 'swe_eval.py')) && readdirSync(dir).includes('problem.yaml');
}
