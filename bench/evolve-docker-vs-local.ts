// Benchmark: wall time and CPU of one whole `adrs evolve` run (verification included) under the local and the Docker sandbox.
//
// Runs `adrs evolve problems/matmul-cpu --iterations 12 --seed 3` (the knob tuner: no LLM) once per sandbox, one after
// the other in this process, each with its own database, and prints wall time, the CLI's process-tree CPU, the
// containers' CPU (the `docker` cpuacct cgroup) and the engine's own CPU (dockerd, containerd, shims), so the warm
// pool's and the engine's work is counted, not only what overlaps the wall clock. Also: verdicts and timing samples,
// so the two runs can be seen to have done comparable work. Goal: Docker wall <= 1.1x local.
// The container and engine figures cover the whole machine: other Docker users running meanwhile inflate them.
// Needs dist/ (npm run build) and the adrs-base image.
//
//   node --import tsx bench/evolve-docker-vs-local.ts [--iterations 12] [--seed 3] [--order local,docker] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { childCpuS, containersCpuS, engineCpuS } from './cpu-figures.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '12' },
    seed: { type: 'string', default: '3' },
    order: { type: 'string', default: 'local,docker' },
    problem: { type: 'string', default: 'problems/matmul-cpu' },
    json: { type: 'boolean', default: false },
  },
});
const ROOT = path.resolve(import.meta.dirname, '..');
interface Figures {
  sandbox: string;
  exitCode: number | null;
  wallS: number;
  cliCpuS: number;
  containersCpuS?: number;
  engineCpuS: number;
  verdicts: number;
  verified: number;
  timingSamples: number;
  candidates: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;

async function run(sandbox: string): Promise<Figures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `adrs-bench-evolve-${sandbox}-`));
  const db = path.join(dir, 'adrs.db');
  const argv = [
    path.join(ROOT, 'bin', 'adrs.js'),
    'evolve',
    args.problem,
    '--iterations',
    args.iterations,
    '--seed',
    args.seed,
    '--sandbox',
    sandbox,
    '--db',
    db,
  ];
  const before = { cli: childCpuS(), engine: engineCpuS(), containers: containersCpuS() };
  const started = performance.now();
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`[${sandbox}] exit ${code}:\n${err}\n`);
      resolve(code);
    });
  });
  const wallS = (performance.now() - started) / 1000;
  const after = { cli: childCpuS(), engine: engineCpuS(), containers: containersCpuS() };
  const store = new Database(db, { readonly: true });
  const one = (sql: string): number => Number((store.prepare(sql).get() as { n: number | null }).n ?? 0);
  const figures: Figures = {
    sandbox,
    exitCode,
    wallS: round(wallS),
    cliCpuS: round(after.cli - before.cli),
    ...(before.containers !== undefined && after.containers !== undefined
      ? { containersCpuS: round(after.containers - before.containers) }
      : {}),
    engineCpuS: round(after.engine - before.engine),
    verdicts: one('SELECT COUNT(*) AS n FROM verdicts'),
    verified: one('SELECT COUNT(*) AS n FROM verdicts WHERE verified = 1'),
    timingSamples: one('SELECT SUM(COALESCE(n_candidate, 0) + COALESCE(n_baseline, 0)) AS n FROM verdicts'),
    candidates: one('SELECT COUNT(*) AS n FROM candidates'),
  };
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return figures;
}

const results: Figures[] = [];
for (const kind of args.order.split(',')) results.push(await run(kind));
const byKind = Object.fromEntries(results.map((r) => [r.sandbox, r]));
const total = (f: Figures): number =>
  f.cliCpuS + (f.sandbox === 'docker' ? (f.containersCpuS ?? 0) + f.engineCpuS : 0);
const ratio = byKind.local && byKind.docker ? round(byKind.docker.wallS / byKind.local.wallS) : undefined;
const cpuRatio =
  byKind.local && byKind.docker ? round(total(byKind.docker) / total(byKind.local)) : undefined;
if (args.json) {
  console.log(
    JSON.stringify({ results, ratio, cpuRatio, cpus: os.availableParallelism(), loadavg: os.loadavg() }),
  );
} else {
  console.log(
    `adrs evolve ${args.problem} --iterations ${args.iterations} --seed ${args.seed}; ${os.availableParallelism()} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const f of results)
    console.log(
      `${f.sandbox.padEnd(7)} wall ${f.wallS} s  cli cpu ${f.cliCpuS} s  containers cpu ${f.containersCpuS ?? '-'} s  engine cpu ${f.engineCpuS} s  ` +
        `candidates ${f.candidates}  verdicts ${f.verdicts} (verified ${f.verified})  timing samples ${f.timingSamples}  exit ${f.exitCode}`,
    );
  if (ratio !== undefined)
    console.log(
      `docker/local wall ratio: ${ratio}x (goal <= 1.1x); CPU ratio (docker: cli + containers + engine): ${cpuRatio}x`,
    );
}
