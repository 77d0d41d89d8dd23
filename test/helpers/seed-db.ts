// Fills a fresh temp Store with problems, runs, candidates with lineage, evaluations, verdicts with samples,
// LLM calls and events: the fixture of the web tests and the browser test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Store } from '../../orchestrator/store/store.js';

/** What an LLM could write to attack the page: it must show as text and never run. */
export const XSS = `<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">`;

const SEED_SRC = `def matmul(a, b):
    # EVOLVE-BLOCK-START
    n, m, p = len(a), len(b), len(b[0])
    out = [[0.0] * p for _ in range(n)]
    for i in range(n):
        for j in range(p):
            for k in range(m):
                out[i][j] += a[i][k] * b[k][j]
    return out
    # EVOLVE-BLOCK-END
`;

const variant = (inner: string): string =>
  SEED_SRC.replace(/( {4}# EVOLVE-BLOCK-START\n)[\s\S]*?( {4}# EVOLVE-BLOCK-END)/, `$1${inner}$2`);

const V1 = variant(`    n, m, p = len(a), len(b), len(b[0])
    bt = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]
`);
const V2 = variant(`    import numpy as np
    return (np.asarray(a) @ np.asarray(b)).tolist()
`);
const V3 = variant(`    import numpy as np
    A = np.ascontiguousarray(a, dtype=np.float64)
    return (A @ np.asarray(b, dtype=np.float64)).tolist()
`);

export const MATMUL_SPEC = {
  name: 'matmul-cpu',
  description:
    'Multiply two dense matrices as fast as possible.\nThe result must match the reference within 1e-9.',
  language: 'python',
  seed: { dir: 'seed', files: ['matmul.py'] },
  evaluator: { dir: 'evaluator', command: ['python3', '{problem}/evaluator/eval.py'], stages: {} },
  metrics: [
    { name: 'speed', direction: 'maximize', deterministic: false },
    { name: 'error', direction: 'minimize', deterministic: true },
  ],
  primary: 'speed',
  timing: {
    key: 'matmul',
    screen_samples: 3,
    verify_samples: 10,
    max_samples: 40,
    min_effect: 0.01,
    confidence: 0.95,
  },
  timeouts: { screen: 120, verify: 600, time: 120 },
  resources: { cpus: 1, memory_mb: 2048, pids: 256, gpus: 0, disk_mb: 1024 },
  sandbox: { image: 'adrs-base' },
  workloads: { screen: 'workloads/screen', verify: 'workloads/verify' },
};

export const EPLB_SPEC = {
  name: 'eplb',
  description: 'Place MoE experts on GPUs to balance load.',
  language: 'python',
  seed: { dir: 'seed', files: ['eplb.py'] },
  evaluator: { dir: 'evaluator', command: ['python3', 'eval.py'], stages: {} },
  metrics: [{ name: 'balancedness', direction: 'maximize', deterministic: true }],
  primary: 'balancedness',
  timing: {},
};

function interleaved(candidate: number, baseline: number, n: number) {
  const samples: { arm: 'candidate' | 'baseline'; key: string; seq: number; value: number }[] = [];
  for (let i = 0; i < n; i++) {
    const wobble = 1 + ((i * 37) % 11) / 100;
    samples.push({ arm: 'baseline', key: 'matmul', seq: 2 * i, value: baseline * wobble });
    samples.push({ arm: 'candidate', key: 'matmul', seq: 2 * i + 1, value: candidate * wobble });
  }
  return samples;
}

export interface SeededDb {
  store: Store;
  dir: string;
  dbPath: string;
  runs: { finished: string; running: string; eplb: string };
  candidates: {
    seed: string;
    v1: string;
    best: string;
    unverified: string;
    failed: string;
    xss: string;
    runningSeed: string;
    runningBest: string;
    eplbBest: string;
  };
  /** Removes the temp folder (closes the store first). */
  cleanup(): void;
}

/** Adds one evaluated candidate to a run, with its LLM call and events, like the loop does each iteration. */
export function appendIteration(
  store: Store,
  runId: string,
  opts: {
    parentId: string;
    iteration: number;
    score: number;
    island?: number;
    files?: Record<string, string>;
  },
): string {
  const cand = store.insertCandidate({
    runId,
    problemName: 'matmul-cpu',
    problemHash: 'h-matmul',
    parentId: opts.parentId,
    island: opts.island ?? opts.iteration % 2,
    generation: 1,
    iteration: opts.iteration,
    files: opts.files ?? {
      'matmul.py': V1.replace('zip(row, col)', `zip(row, col)  # it ${opts.iteration}`),
    },
    patch: '',
    proposer: 'anthropic',
    model: 'claude-sonnet-4-5',
    status: 'evaluated',
  });
  store.updateCandidate(cand.id, { score: opts.score, correct: true, status: 'evaluated' });
  store.insertEvaluation({
    candidateId: cand.id,
    stage: 'screen',
    status: 'ok',
    correct: true,
    score: opts.score,
    metrics: { speed: opts.score },
    durationMs: 900,
    sandbox: 'local',
    timings: { matmul: [0.01, 0.011] },
  });
  store.insertLlmCall({
    runId,
    candidateId: cand.id,
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    status: 'ok',
    costUsd: 0.02,
    inputTokens: 1200,
    outputTokens: 300,
    prompt: [{ role: 'user', content: 'improve it' }],
    responseText: 'SEARCH/REPLACE ...',
  });
  store.appendEvent(runId, 'candidate:evaluated', {
    runId,
    candidateId: cand.id,
    iteration: opts.iteration,
    status: 'ok',
    score: opts.score,
    correct: true,
    durationMs: 900,
  });
  store.updateRun(runId, { iterationsDone: opts.iteration });
  return cand.id;
}

export function seedDb(): SeededDb {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-web-'));
  const dbPath = path.join(dir, 'adrs.db');
  const store = Store.open(dbPath);
  store.upsertProblem({
    name: 'matmul-cpu',
    contentHash: 'h-matmul',
    dir: path.join(dir, 'matmul-cpu'),
    spec: MATMUL_SPEC,
  });
  store.upsertProblem({ name: 'eplb', contentHash: 'h-eplb', dir: path.join(dir, 'eplb'), spec: EPLB_SPEC });

  const cpuFp = { sandbox: 'local', cpu: 'AMD EPYC 7763', isolation: 'process' };
  const gpuFp = { sandbox: 'docker', gpu: { name: 'NVIDIA H100', memory_mb: 81559 } };

  // --- a finished run with a branching lineage ---
  const finished = store.createRun({
    problemName: 'matmul-cpu',
    problemHash: 'h-matmul',
    strategy: 'evolve',
    proposer: 'anthropic',
    model: 'claude-sonnet-4-5',
    sandbox: 'local',
    config: { iterations: 6, islands: 2 },
    state: {
      islands: [{ members: 3 }, { members: 2 }],
      map_elites: { cells: { '0,0': { score: 1.0 }, '1,2': { score: 1.8 }, '2,1': { score: 1.3 } } },
      rng: 'abc',
    },
  }).id;
  const add = (
    runId: string,
    iteration: number,
    parentId: string | null,
    files: Record<string, string>,
    o: { score: number | null; status?: string; island?: number; model?: string; patch?: string } = {
      score: null,
    },
  ): string =>
    store.insertCandidate({
      runId,
      problemName: 'matmul-cpu',
      problemHash: 'h-matmul',
      parentId,
      island: o.island ?? 0,
      generation: parentId ? 1 : 0,
      iteration,
      files,
      patch: o.patch ?? '',
      proposer: parentId ? 'anthropic' : 'seed',
      model: parentId ? (o.model ?? 'claude-sonnet-4-5') : null,
      status: o.status ?? 'evaluated',
    }).id;

  const seed = add(finished, 0, null, { 'matmul.py': SEED_SRC }, { score: 1.0 });
  const v1 = add(finished, 1, seed, { 'matmul.py': V1 }, { score: 1.3, island: 1 });
  const best = add(finished, 2, v1, { 'matmul.py': V2 }, { score: 1.8 });
  const unverified = add(finished, 3, v1, { 'matmul.py': V3 }, { score: 1.9, island: 1 });
  const failed = add(
    finished,
    4,
    seed,
    { 'matmul.py': SEED_SRC.replace('return out', 'return ot') },
    { score: null, status: 'failed' },
  );
  const xss = add(
    finished,
    5,
    best,
    {
      'matmul.py': V2.replace('import numpy as np', `import numpy as np  # ${XSS}`),
      [`notes-${XSS}.txt`]: XSS,
    },
    { score: 1.5, model: `evil-model-${XSS}` },
  );
  const scores: Record<string, number | null> = {
    [seed]: 1.0,
    [v1]: 1.3,
    [best]: 1.8,
    [unverified]: 1.9,
    [failed]: null,
    [xss]: 1.5,
  };
  for (const [id, score] of Object.entries(scores)) {
    store.updateCandidate(id, { score, correct: score !== null });
    const isXss = id === xss;
    store.insertEvaluation({
      candidateId: id,
      stage: 'screen',
      status: score === null ? 'failed' : 'ok',
      correct: score !== null,
      score,
      metrics: score === null ? {} : { speed: score, error: 0 },
      checks: [
        {
          name: 'matches reference',
          ok: score !== null,
          detail: score === null ? 'NameError: ot' : undefined,
        },
        { name: isXss ? `guard ${XSS}` : 'no timing tricks', ok: true },
      ],
      feedback: isXss ? `feedback ${XSS}` : score === null ? 'the program raised NameError' : '',
      reason: score === null ? 'evaluator exited with code 1' : null,
      stderrTail:
        score === null
          ? "Traceback (most recent call last):\nNameError: name 'ot' is not defined"
          : isXss
            ? XSS
            : '',
      stdoutTail: '',
      durationMs: 1200,
      sandbox: 'local',
      seed: 7,
      timings: score === null ? {} : { matmul: [0.02 / score, 0.021 / score, 0.0205 / score] },
    });
    store.insertLlmCall({
      runId: finished,
      candidateId: id,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      status: 'ok',
      inputTokens: 2000,
      outputTokens: 500,
      costUsd: 0.05,
      latencyMs: 4200,
      prompt: {
        system: 'You improve matmul.',
        messages: [
          { role: 'user', content: [{ type: 'text', text: isXss ? `make it fast ${XSS}` : 'make it fast' }] },
        ],
      },
      responseText: isXss
        ? `Here you go ${XSS}`
        : '<<<<<<< SEARCH\nfor k in range(m):\n=======\n...\n>>>>>>> REPLACE',
    });
  }
  store.insertVerdict({
    candidateId: best,
    baselineCandidateId: seed,
    verified: true,
    correct: true,
    speedup: 1.8,
    ciLow: 1.6,
    ciHigh: 2.0,
    confidence: 0.95,
    minEffect: 0.01,
    nCandidate: 10,
    nBaseline: 10,
    method: 'bootstrap-ratio-of-medians',
    score: 1.8,
    metrics: { speed: 1.8 },
    reason: 'CI [1.6, 2.0] clears 1.01',
    fingerprint: cpuFp,
    samples: interleaved(0.01, 0.018, 10),
  });
  store.insertVerdict({
    candidateId: v1,
    baselineCandidateId: seed,
    verified: true,
    correct: true,
    speedup: 1.3,
    ciLow: 1.2,
    ciHigh: 1.4,
    confidence: 0.95,
    method: 'bootstrap-ratio-of-medians',
    score: 1.3,
    reason: 'CI clears 1.01',
    fingerprint: cpuFp,
    samples: interleaved(0.013, 0.017, 6),
  });
  store.insertVerdict({
    candidateId: unverified,
    baselineCandidateId: seed,
    verified: false,
    correct: true,
    speedup: 1.05,
    ciLow: 0.9,
    ciHigh: 1.2,
    confidence: 0.95,
    method: 'bootstrap-ratio-of-medians',
    score: 1.05,
    reason: 'CI [0.9, 1.2] does not clear 1.01',
    fingerprint: cpuFp,
    samples: interleaved(0.0165, 0.017, 6),
  });
  store.insertVerdict({
    candidateId: xss,
    verified: true,
    correct: true,
    speedup: 1.1,
    ciLow: 1.05,
    ciHigh: 1.15,
    method: 'bootstrap-ratio-of-medians',
    score: 1.5,
    reason: XSS,
    fingerprint: { sandbox: 'local', cpu: `cpu-${XSS}` },
    samples: interleaved(0.015, 0.0165, 4),
  });
  store.appendEvent(finished, 'run:start', {
    runId: finished,
    problem: 'matmul-cpu',
    strategy: 'evolve',
    proposer: 'anthropic',
    resumed: false,
  });
  store.appendEvent(finished, 'run:end', {
    runId: finished,
    status: 'finished',
    reason: 'max iterations',
    bestCandidateId: best,
    bestScore: 1.8,
  });
  store.updateRun(finished, {
    status: 'finished',
    iterationsDone: 5,
    spentUsd: 0.3,
    bestCandidateId: unverified,
    bestVerifiedCandidateId: best,
  });

  // --- a running run on a GPU, another model ---
  const running = store.createRun({
    problemName: 'matmul-cpu',
    problemHash: 'h-matmul',
    strategy: 'evolve',
    proposer: 'openai',
    model: 'qwen3-coder',
    sandbox: 'docker',
    config: { iterations: 100 },
  }).id;
  const runningSeed = add(running, 0, null, { 'matmul.py': SEED_SRC }, { score: 1.0, model: 'qwen3-coder' });
  store.updateCandidate(runningSeed, { score: 1.0, correct: true });
  const runningBest = add(running, 1, runningSeed, { 'matmul.py': V3 }, { score: 2.4, model: 'qwen3-coder' });
  store.updateCandidate(runningBest, { score: 2.4, correct: true });
  store.insertVerdict({
    candidateId: runningBest,
    baselineCandidateId: runningSeed,
    verified: true,
    correct: true,
    speedup: 2.4,
    ciLow: 2.2,
    ciHigh: 2.6,
    confidence: 0.95,
    method: 'bootstrap-ratio-of-medians',
    score: 2.4,
    reason: 'CI clears 1.01',
    fingerprint: gpuFp,
    samples: interleaved(0.005, 0.012, 8),
  });
  store.insertLlmCall({
    runId: running,
    candidateId: runningBest,
    provider: 'openai',
    model: 'qwen3-coder',
    status: 'ok',
    costUsd: 0.5,
    prompt: [],
    responseText: 'ok',
  });
  store.appendEvent(running, 'run:start', {
    runId: running,
    problem: 'matmul-cpu',
    strategy: 'evolve',
    proposer: 'openai',
    resumed: false,
  });
  store.updateRun(running, {
    iterationsDone: 1,
    bestCandidateId: runningBest,
    bestVerifiedCandidateId: runningBest,
  });

  // --- a deterministic problem: score only ---
  const eplb = store.createRun({
    problemName: 'eplb',
    problemHash: 'h-eplb',
    strategy: 'best-of-n',
    proposer: 'anthropic',
    model: 'claude-opus-4-1',
    sandbox: 'local',
    config: {},
  }).id;
  const eplbSeed = store.insertCandidate({
    runId: eplb,
    problemName: 'eplb',
    problemHash: 'h-eplb',
    iteration: 0,
    files: { 'eplb.py': 'def rebalance_experts(): pass\n' },
    status: 'evaluated',
  }).id;
  const eplbBest = store.insertCandidate({
    runId: eplb,
    problemName: 'eplb',
    problemHash: 'h-eplb',
    parentId: eplbSeed,
    iteration: 1,
    files: { 'eplb.py': 'def rebalance_experts(): return 1\n' },
    patch:
      '--- a/eplb.py\n+++ b/eplb.py\n@@ -1 +1 @@\n-def rebalance_experts(): pass\n+def rebalance_experts(): return 1\n',
    proposer: 'anthropic',
    model: 'claude-opus-4-1',
    status: 'evaluated',
  }).id;
  store.updateCandidate(eplbBest, { score: 0.91, correct: true });
  store.insertVerdict({
    candidateId: eplbBest,
    verified: true,
    correct: true,
    method: 'deterministic',
    score: 0.91,
    reason: 'held-out balancedness 0.91 > 0.66',
    fingerprint: cpuFp,
  });
  store.insertLlmCall({
    runId: eplb,
    candidateId: eplbBest,
    provider: 'anthropic',
    model: 'claude-opus-4-1',
    status: 'ok',
    costUsd: 0.12,
    prompt: [],
    responseText: '',
  });
  store.updateRun(eplb, { status: 'finished', iterationsDone: 1 });

  return {
    store,
    dir,
    dbPath,
    runs: { finished, running, eplb },
    candidates: { seed, v1, best, unverified, failed, xss, runningSeed, runningBest, eplbBest },
    cleanup: () => {
      try {
        store.close();
      } catch {
        // already closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Listens on a free loopback port (never a fixed one) and returns the base URL and a closer. */
export async function listen(app: {
  listen(port: number, host: string): import('node:http').Server;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
