// Benchmark: throughput of N evaluations of a trivial program under the Docker sandbox (warm pool) and the local sandbox.
//
// One evaluation = open a session (fresh workspace + read-only evaluator folder), run the program, read its
// result file, close. Both sandboxes run in the same process, one after the other, with the same concurrency.
// Goal: Docker time per evaluation <= 1.3x local (issue 21). Also printed: the CPU each run cost this process, its
// children (the local sandbox's processes), the engine's daemons and all containers (the warm pool's work included;
// the engine and container figures cover the whole machine, so other Docker users inflate them).
//
// --exec picks how Docker runs commands: through the container's exec agent, through `docker exec`, or both (each its
// own run beside the local one, so the two paths compare in one process).
//
//   node --import tsx bench/docker-vs-local.ts [--n 50] [--concurrency 2] [--pool 4] [--image adrs-base:latest]
//     [--exec both|agent|engine] [--json]
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mean, median } from 'simple-statistics';
import { createSandbox, type Sandbox } from '../sandboxes/index.js';
import { DEFAULT_LIMITS } from '../sandboxes/types.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import type { ExecVia } from '../sandboxes/docker/agent-socket.js';
import type { DockerSession } from '../sandboxes/docker/docker-session.js';
import { childCpuS, containersCpuS, engineCpuS, selfCpuS } from './cpu-figures.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '2' },
    pool: { type: 'string', default: '4' },
    image: { type: 'string', default: 'adrs-base:latest' },
    json: { type: 'boolean', default: false },
    exec: { type: 'string', default: 'both' },
  },
});
const EXEC_PATHS: ExecVia[] =
  args.exec === 'both'
    ? ['agent', 'engine']
    : args.exec === 'agent' || args.exec === 'engine'
      ? [args.exec]
      : [];
if (EXEC_PATHS.length === 0) {
  console.error(`--exec ${args.exec}: use both, agent or engine`);
  process.exit(2);
}
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);

const root = mkdtempSync(path.join(os.tmpdir(), 'adrs-bench-dvl-'));
const workspaceDir = path.join(root, 'workspace');
const evaluatorDir = path.join(root, 'evaluator');
mkdirSync(workspaceDir);
mkdirSync(evaluatorDir);
writeFileSync(
  path.join(workspaceDir, 'main.py'),
  'import json, os\njson.dump({"correct": True, "n": sum(range(1000))}, open(os.environ["RESULT"], "w"))\n',
);
writeFileSync(path.join(evaluatorDir, 'README'), 'trivial evaluator folder\n');

interface Figures {
  sandbox: string;
  n: number;
  totalMs: number;
  /** Until the background work was done too (Docker: removals and the warm pool's refill). */
  settledMs: number;
  perEvalMs: number;
  evalsPerSecond: number;
  medianLatencyMs: number;
  failures: number;
  /** Median wall time of each phase of an evaluation. */
  phasesMs: Record<keyof Phases, number>;
  /** Mean wall time of each phase: with the median, it shows a phase's tail (a wait for the warm pool, say). */
  phasesMeanMs: Record<keyof Phases, number>;
  /** CPU seconds: this process + waited-for children; the engine's daemons; all containers. */
  cpu: { process: number; engine: number; containers?: number; machine: number };
}

/**
 * Busy CPU seconds of the whole machine (/proc/stat): everything, other users' work included. The engine figure
 * misses short-lived processes (each `runc` call, a removed container's shim), so only this one holds all of
 * Docker's cost; compare it between runs of one process, side by side.
 */
function machineCpuS(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100; // USER_HZ
}

function cpuNow(): { process: number; engine: number; containers?: number; machine: number } {
  return {
    process: selfCpuS() + childCpuS(),
    engine: engineCpuS(),
    containers: containersCpuS(),
    machine: machineCpuS(),
  };
}

/** Wall time per phase of one evaluation (open, exec, read, close), summed over a run. */
type Phases = Record<'open' | 'exec' | 'read' | 'close', number[]>;

async function evaluateOnce(
  sandbox: Sandbox,
  phases?: Phases,
  seen?: Set<string>,
): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  let mark = started;
  const lap = (phase: keyof Phases): void => {
    const now = performance.now();
    phases?.[phase].push(now - mark);
    mark = now;
  };
  const session = await sandbox.open({
    workspaceDir,
    readonlyDirs: { problem: evaluatorDir },
    limits: { ...DEFAULT_LIMITS, wallTimeMs: 30_000, memoryMb: 512, diskMb: 64 },
    image: sandbox.kind === 'docker' ? args.image : undefined,
  });
  lap('open');
  if (seen && session.kind === 'docker') seen.add(await (session as DockerSession).commandsVia());
  let ok = false;
  try {
    const res = await session.exec(['/usr/bin/python3', 'main.py'], {
      env: { RESULT: `${session.workspace}/result.json` },
    });
    lap('exec');
    const out = await session.readFile('result.json');
    lap('read');
    ok =
      res.exitCode === 0 && out !== undefined && (JSON.parse(out.toString()) as { n: number }).n === 499500;
  } finally {
    await session.close();
    lap('close');
  }
  return { ms: performance.now() - started, ok };
}

async function measure(kind: 'local' | 'docker', execVia?: ExecVia): Promise<Figures> {
  const sandbox =
    kind === 'docker'
      ? new DockerSandbox({ warmPool: Number(args.pool), image: args.image, execVia: execVia ?? 'agent' })
      : await createSandbox(kind, {});
  const seen = new Set<string>();
  try {
    await evaluateOnce(sandbox, undefined, seen); // warm-up: image checks, isolation probe, first pool fill
    const latencies: number[] = [];
    let failures = 0;
    let next = 0;
    const phases: Phases = { open: [], exec: [], read: [], close: [] };
    const cpu0 = cpuNow();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          next++;
          const { ms, ok } = await evaluateOnce(sandbox, phases, seen);
          latencies.push(ms);
          if (!ok) failures++;
        }
      }),
    );
    const totalMs = performance.now() - started;
    // The engine's work left in the background (removing closed containers, refilling the warm pool) is part of
    // what these evaluations cost: the run ends when it is done.
    if (sandbox instanceof DockerSandbox) await sandbox.settled();
    const settledMs = performance.now() - started;
    const cpu1 = cpuNow();
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    return {
      cpu: {
        process: r2(cpu1.process - cpu0.process),
        engine: r2(cpu1.engine - cpu0.engine),
        ...(cpu0.containers !== undefined && cpu1.containers !== undefined
          ? { containers: r2(cpu1.containers - cpu0.containers) }
          : {}),
        machine: r2(cpu1.machine - cpu0.machine),
      },
      // The path the commands really took (an agent that did not start falls back to `docker exec`).
      sandbox: kind === 'docker' ? `docker-${[...seen].join('+')}` : kind,
      n: N,
      totalMs: Math.round(totalMs),
      settledMs: Math.round(settledMs),
      perEvalMs: Math.round((totalMs / N) * 10) / 10,
      evalsPerSecond: Math.round((N / totalMs) * 1000 * 100) / 100,
      medianLatencyMs: Math.round(median(latencies)),
      failures,
      phasesMs: {
        open: Math.round(median(phases.open)),
        exec: Math.round(median(phases.exec)),
        read: Math.round(median(phases.read)),
        close: Math.round(median(phases.close)),
      },
      phasesMeanMs: {
        open: Math.round(mean(phases.open)),
        exec: Math.round(mean(phases.exec)),
        read: Math.round(mean(phases.read)),
        close: Math.round(mean(phases.close)),
      },
    };
  } finally {
    await sandbox.dispose();
  }
}

try {
  const local = await measure('local');
  const dockers: Figures[] = [];
  for (const via of EXEC_PATHS) dockers.push(await measure('docker', via));
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const ratios = dockers.map((d) => ({
    sandbox: d.sandbox,
    ratio: r2(d.totalMs / local.totalMs),
    settledRatio: r2(d.settledMs / local.settledMs),
  }));
  const cpuPerEval = (f: Figures): number =>
    Math.round(((f.cpu.process + f.cpu.engine + (f.cpu.containers ?? 0)) / f.n) * 1000);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  if (args.json) {
    console.log(
      JSON.stringify({
        local,
        dockers,
        ratios,
        concurrency: CONCURRENCY,
        pool: Number(args.pool),
        cpus: os.availableParallelism(),
        loadavg: os.loadavg(),
      }),
    );
  } else {
    console.log(
      `${N} evaluations, concurrency ${CONCURRENCY}, warm pool ${args.pool}, ${os.availableParallelism()} CPUs`,
    );
    for (const f of [local, ...dockers])
      console.log(
        `${f.sandbox.padEnd(13)} total ${f.totalMs} ms  ${f.perEvalMs} ms/eval  ${f.evalsPerSecond} evals/s  median latency ${f.medianLatencyMs} ms  failures ${f.failures}  ` +
          `cpu: process ${f.cpu.process} s, engine ${f.cpu.engine} s, containers ${f.cpu.containers ?? '-'} s  ` +
          `median phases: open ${f.phasesMs.open}, exec ${f.phasesMs.exec}, read ${f.phasesMs.read}, close ${f.phasesMs.close} ms  ` +
          `mean: open ${f.phasesMeanMs.open}, exec ${f.phasesMeanMs.exec}, read ${f.phasesMeanMs.read}, close ${f.phasesMeanMs.close} ms`,
      );
    for (const [i, r] of ratios.entries()) {
      const d = dockers[i] as Figures;
      console.log(`${r.sandbox}/local time ratio: ${r.ratio}x (goal <= 1.3x)`);
      console.log(
        `${r.sandbox}/local until the background work is done (removals, warm pool refilled): ${r.settledRatio}x (${d.settledMs} ms against ${local.settledMs} ms)`,
      );
    }
    console.log(
      `CPU per evaluation (process + engine + containers, machine-wide): local ${cpuPerEval(local)} ms, ` +
        dockers.map((d) => `${d.sandbox} ${cpuPerEval(d)} ms`).join(', '),
    );
    const machinePerEval = (f: Figures): number => Math.round((f.cpu.machine / f.n) * 1000);
    console.log(
      `machine's busy CPU per evaluation (everything, other users too): local ${machinePerEval(local)} ms, ` +
        dockers.map((d) => `${d.sandbox} ${machinePerEval(d)} ms`).join(', '),
    );
    console.log(`load average ${load}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
