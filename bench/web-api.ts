// Benchmark: median latency of the web API (leaderboard, run summary, candidate) over 100,000 stored candidates.
// Run: npx tsx bench/web-api.ts [--candidates 100000] [--big-run 60000] [--iterations 30] [--keep] [--db FILE]
// Issue 22.4's case: --candidates 1000000 --big-run 300000. --db FILE fills FILE once and measures it again on
// later runs (the fill of 1M candidates takes many minutes; migrations still run on open).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../orchestrator/store/store.js';
import { createApp } from '../web/src/app.js';
import { verifiedVerdicts } from '../web/src/queries.js';
import { keptVerified } from '../web/src/verified-rows.js';

const { values: args } = parseArgs({
  options: {
    candidates: { type: 'string', default: '100000' },
    iterations: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
    db: { type: 'string' },
    /** Candidates in the one big run (default 60% of them). */
    'big-run': { type: 'string' },
  },
});
const N = Number(args.candidates);
const ITER = Number(args.iterations);
const BIG_RUN_SHARE = 0.6;

const dir = args.db === undefined ? mkdtempSync(path.join(tmpdir(), 'adrs-bench-web-')) : undefined;
const dbPath = args.db === undefined ? path.join(dir!, 'adrs.db') : path.resolve(args.db);
const reuse = args.db !== undefined && existsSync(dbPath);
const store = Store.open(dbPath);
const db = store.db;

/** A deterministic pseudo-random sequence, so every run of the benchmark stores the same data. */
let seed = 42;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

const code = (i: number): string =>
  JSON.stringify({
    'solver.py':
      `def solve(x):\n    # EVOLVE-BLOCK-START\n    y = sorted(x)  # variant ${i}\n    return y[:${i % 97}]\n    # EVOLVE-BLOCK-END\n`.repeat(
        3,
      ),
  });

function fill(): {
  bigRun: string;
  smallRun: string;
  sampleCandidate: string;
  bigSize: number;
  smallSize: number;
} {
  const t0 = performance.now();
  // A large page cache while filling: the indexes of a million rows stay in memory instead of spilling.
  db.pragma('cache_size = -2000000');
  const now = Date.now();
  const iso = (ms: number): string => new Date(ms).toISOString();
  const problems = ['matmul-cpu', 'eplb', 'kernel-softmax'];
  for (const p of problems)
    store.upsertProblem({
      name: p,
      contentHash: `h-${p}`,
      dir: `/problems/${p}`,
      spec: { name: p, description: p },
    });
  const runs: { id: string; problem: string; size: number }[] = [];
  const big = args['big-run'] === undefined ? Math.round(N * BIG_RUN_SHARE) : Number(args['big-run']);
  const rest = N - big;
  runs.push({ id: 'run_big', problem: 'matmul-cpu', size: big });
  for (let r = 0; r < 8; r++)
    runs.push({
      id: `run_${r}`,
      problem: problems[r % problems.length]!,
      size: Math.floor(rest / 8) + (r < rest % 8 ? 1 : 0),
    });
  const insRun = db.prepare(
    `INSERT INTO runs (id, problem_name, problem_hash, status, strategy, proposer, model, sandbox, config_json, state_json, iterations_done, spent_usd, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'evolve', 'anthropic', ?, ?, '{}', ?, ?, 0, ?, ?)`,
  );
  const insCand = db.prepare(
    `INSERT INTO candidates (id, run_id, problem_name, problem_hash, parent_id, island, generation, iteration, files_json, patch, proposer, model, status, score, correct, verified, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'anthropic', ?, ?, ?, ?, ?, ?)`,
  );
  const insEval = db.prepare(
    `INSERT INTO evaluations (candidate_id, stage, status, correct, score, metrics_json, checks_json, stderr_tail, duration_ms, sandbox, created_at)
     VALUES (?, 'screen', ?, ?, ?, '{"speed":1}', '[{"name":"ok","ok":true}]', '', 1000, 'local', ?)`,
  );
  const insCall = db.prepare(
    `INSERT INTO llm_calls (run_id, candidate_id, provider, model, status, input_tokens, output_tokens, cost_usd, latency_ms, prompt_json, response_text, created_at)
     VALUES (?, ?, 'anthropic', ?, 'ok', 3000, 600, ?, 4000, ?, 'SEARCH/REPLACE ...', ?)`,
  );
  const insVerdict = db.prepare(
    `INSERT INTO verdicts (candidate_id, verified, correct, speedup, ci_low, ci_high, confidence, method, score, reason, fingerprint_json, created_at)
     VALUES (?, ?, 1, ?, ?, ?, 0.95, 'bootstrap-ratio-of-medians', ?, 'bench', ?, ?)`,
  );
  const insSample = db.prepare(
    'INSERT INTO samples (verdict_id, arm, key, seq, value) VALUES (?, ?, ?, ?, ?)',
  );
  const insEvent = db.prepare(
    'INSERT INTO events (run_id, type, payload_json, created_at) VALUES (?, ?, ?, ?)',
  );
  const insProgram = db.prepare(
    `INSERT INTO population_programs (run_id, seq, candidate_id, is_seed, island, cell, score, correct, parent_id,
       iteration, generation, code_hash, features_json) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, '{"complexity":1}')`,
  );
  const prompt = JSON.stringify([{ role: 'user', content: 'improve the solver '.repeat(20) }]);
  let n = 0;
  let sample = '';
  store.transaction(() => {
    for (const run of runs) {
      const model =
        run.id === 'run_big' ? 'claude-sonnet-4-5' : ['qwen3-coder', 'claude-opus-4-1', 'gpt-5'][n % 3]!;
      insRun.run(
        run.id,
        run.problem,
        `h-${run.problem}`,
        run.id === 'run_big' ? 'running' : 'finished',
        model,
        n % 2 ? 'docker' : 'local',
        JSON.stringify({ islands: [{ members: 10 }], map_elites: { cells: { '0,0': 1, '3,4': 2 } } }),
        run.size,
        iso(now - 3_600_000),
        iso(now),
      );
      const ids: string[] = [];
      let best = 0;
      for (let i = 0; i < run.size; i++, n++) {
        const id = `cand_${n.toString(16).padStart(10, '0')}`;
        const parent =
          i === 0 ? null : ids[Math.max(0, ids.length - 1 - Math.floor(rand() * Math.min(50, ids.length)))]!;
        const failed = i > 0 && rand() < 0.15;
        const score = failed ? null : 1 + Math.log1p(i) / 5 + rand() * 0.3;
        const improved = score !== null && score > best;
        if (improved) best = score;
        const verdict = improved || rand() < 0.01;
        const verified = verdict && (improved || rand() < 0.5);
        const t = iso(now - 3_600_000 + i * 10);
        insCand.run(
          id,
          run.id,
          run.problem,
          `h-${run.problem}`,
          parent,
          i % 4,
          parent ? 1 + (i % 30) : 0,
          i,
          code(i),
          model,
          failed ? 'failed' : 'evaluated',
          score,
          failed ? 0 : 1,
          verified ? 1 : 0,
          t,
        );
        ids.push(id);
        // Correct programs join the population (migration 0003's rows), most into one of 10 x 10 cells per island.
        if (!failed)
          insProgram.run(
            run.id,
            i,
            id,
            i === 0 ? 1 : 0,
            i % 4,
            rand() < 0.1 ? null : `${Math.floor(rand() * 10)},${Math.floor(rand() * 10)}`,
            score,
            parent,
            i,
            parent ? 1 + (i % 30) : 0,
            `hash${i}`,
          );
        insEval.run(id, failed ? 'failed' : 'ok', failed ? 0 : 1, score, t);
        insCall.run(run.id, id, model, 0.01 + rand() * 0.02, prompt, t);
        insEvent.run(run.id, 'candidate:proposed', `{"candidateId":"${id}"}`, t);
        insEvent.run(run.id, 'candidate:evaluated', `{"candidateId":"${id}","score":${score}}`, t);
        if (verdict) {
          const speedup = score ?? 1;
          const fp = JSON.stringify(
            n % 3 ? { sandbox: 'local', cpu: 'AMD EPYC 7763' } : { sandbox: 'docker', gpu: 'NVIDIA H100' },
          );
          const v = insVerdict.run(id, verified ? 1 : 0, speedup, speedup * 0.9, speedup * 1.1, score, fp, t);
          for (let s = 0; s < 20; s++)
            insSample.run(
              Number(v.lastInsertRowid),
              s % 2 ? 'candidate' : 'baseline',
              'solve',
              s,
              0.01 * (s % 2 ? 1 / speedup : 1),
            );
        }
        if (run.id === 'run_big' && i === Math.floor(run.size / 2)) sample = id;
      }
    }
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.pragma('cache_size = -2000');
  const counts = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM candidates) c, (SELECT COUNT(*) FROM verdicts) v, (SELECT COUNT(*) FROM verdicts WHERE verified = 1) vv,
              (SELECT COUNT(*) FROM llm_calls) l, (SELECT COUNT(*) FROM events) e, (SELECT COUNT(*) FROM samples) s,
              (SELECT COUNT(*) FROM population_programs) p`,
    )
    .get() as Record<string, number>;
  console.log(
    `filled in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${counts.c} candidates (${big} in the big run), ${counts.v} verdicts (${counts.vv} verified), ${counts.l} LLM calls, ${counts.e} events, ${counts.s} samples, ${counts.p} population rows; ${(statSync(dbPath).size / 2 ** 20).toFixed(0)} MiB`,
  );
  return {
    bigRun: 'run_big',
    smallRun: 'run_1',
    sampleCandidate: sample,
    bigSize: big,
    smallSize: runs.find((r) => r.id === 'run_1')!.size,
  };
}

/** The ids of a database filled by an earlier run of this benchmark (--db). */
function reused(): ReturnType<typeof fill> {
  const size = (run: string): number =>
    db.prepare('SELECT COUNT(*) FROM candidates WHERE run_id = ?').pluck().get(run) as number;
  const bigSize = size('run_big');
  const sample = db
    .prepare('SELECT id FROM candidates WHERE run_id = ? AND iteration = ?')
    .pluck()
    .get('run_big', Math.floor(bigSize / 2)) as string;
  console.log(
    `reusing ${dbPath}: ${db.prepare('SELECT COUNT(*) FROM candidates').pluck().get() as number} candidates, ${bigSize} in the big run`,
  );
  return { bigRun: 'run_big', smallRun: 'run_1', sampleCandidate: sample, bigSize, smallSize: size('run_1') };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/**
 * Median of ITER requests after 3 warm-ups. `cold`: a commit lands before every request (as while a run is
 * live), so nothing cached from the previous request can be used; warm: the database is unchanged between requests.
 */
type Write = 'none' | 'iteration' | 'verdict';
let nextIteration = -1;

/**
 * What a live run commits between two requests. 'iteration': one more candidate of the big run with its
 * evaluation, LLM call and events (every summary trigger fires); 'verdict': also a verified verdict (rare in a
 * real run: a verification takes minutes), which is what the leaderboard and the verified views are kept by.
 */
function write(kind: Write): void {
  if (kind === 'none') return;
  if (nextIteration < 0)
    nextIteration =
      1 +
      (db.prepare("SELECT MAX(iteration) FROM candidates WHERE run_id = 'run_big'").pluck().get() as number);
  const it = nextIteration++;
  const id = `cand_live_${it}`;
  const t = new Date().toISOString();
  store.transaction(() => {
    db.prepare(
      `INSERT INTO candidates (id, run_id, problem_name, problem_hash, parent_id, island, generation, iteration, files_json,
         patch, proposer, model, status, score, correct, verified, created_at)
       SELECT ?, 'run_big', 'matmul-cpu', 'h-matmul-cpu', NULL, 0, 1, ?, '{}', '', 'anthropic', 'claude-sonnet-4-5',
         'evaluated', 1.5, 1, ?, ?`,
    ).run(id, it, kind === 'verdict' ? 1 : 0, t);
    db.prepare(
      `INSERT INTO llm_calls (run_id, candidate_id, provider, model, status, input_tokens, output_tokens, cost_usd,
         latency_ms, prompt_json, response_text, created_at)
       VALUES ('run_big', ?, 'anthropic', 'claude-sonnet-4-5', 'ok', 3000, 600, 0.02, 4000, '[]', '', ?)`,
    ).run(id, t);
    store.appendEvent('run_big', 'candidate:evaluated', { candidateId: id, score: 1.5 });
    if (kind === 'verdict')
      db.prepare(
        `INSERT INTO verdicts (candidate_id, verified, correct, speedup, ci_low, ci_high, confidence, method, score,
           reason, fingerprint_json, created_at)
         VALUES (?, 1, 1, 1.2, 1.1, 1.3, 0.95, 'bootstrap-ratio-of-medians', 1.2, 'bench', '{"sandbox":"local"}', ?)`,
      ).run(id, t);
  });
}

async function measure(base: string, label: string, url: string, kind: Write): Promise<number> {
  const times: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ITER + 3; i++) {
    write(kind);
    const t = performance.now();
    const c0 = process.cpuUsage();
    const res = await fetch(base + url);
    const body = await res.arrayBuffer();
    const ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    if (i >= 3) cpu.push((c.user + c.system) / 1000);
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    bytes = body.byteLength;
    if (i >= 3) times.push(ms);
  }
  const med = percentile(times, 0.5);
  // CPU time of this process (server and client both) per request: what a loaded machine inflates least.
  console.log(
    `${{ none: 'warm    ', iteration: 'cold    ', verdict: 'verdict ' }[kind] + label.padEnd(40)} median ${med.toFixed(1).padStart(6)} ms   p90 ${percentile(times, 0.9).toFixed(1).padStart(6)} ms   cpu ${percentile(cpu, 0.5).toFixed(1).padStart(6)} ms   ${(bytes / 1024).toFixed(0).padStart(5)} KiB   ${med <= 20 ? 'ok' : 'OVER 20 ms'}`,
  );
  return med;
}

/**
 * The leaderboard's verified rows after a new verdict, read whole (before migration 0010) and patched from the
 * change log (now), interleaved in one process so the machine's load weighs on both alike: CPU medians.
 */
function sideBySide(): [number, number] {
  const cpuOf = (f: () => unknown): number => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const src = {
    all: () => verifiedVerdicts(db),
    some: (ids: string[]) => verifiedVerdicts(db, undefined, 'verified', ids),
    candidateOf: (v: { candidate_id: string }) => v.candidate_id,
  };
  keptVerified(db, 'bench-side-by-side', src);
  const full: number[] = [];
  const patched: number[] = [];
  for (let i = 0; i < ITER; i++) {
    write('verdict');
    // Alternating which goes first, so neither always finds the pages the other just read.
    if (i % 2) full.push(cpuOf(() => verifiedVerdicts(db)));
    patched.push(cpuOf(() => keptVerified(db, 'bench-side-by-side', src)));
    if (i % 2 === 0) full.push(cpuOf(() => verifiedVerdicts(db)));
  }
  return [percentile(full, 0.5), percentile(patched, 0.5)];
}

async function main(): Promise<void> {
  const ids = reuse ? reused() : fill();
  const app = createApp({ store });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const indexes = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'web_%'").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  console.log(
    `node ${process.version}, ${ITER} requests each after 3 warm-ups, web indexes: ${indexes.join(', ') || 'none'}`,
  );
  const routes: [string, string][] = [
    ['GET /api/leaderboard', '/api/leaderboard'],
    ['GET /api/leaderboard?per=candidate', '/api/leaderboard?per=candidate&limit=100'],
    [`GET /api/runs/:id (${ids.bigSize} cand.)`, `/api/runs/${ids.bigRun}`],
    [`GET /api/runs/:id (${ids.smallSize} cand.)`, `/api/runs/${ids.smallRun}`],
    ['GET /api/runs/:id/candidates (page 100)', `/api/runs/${ids.bigRun}/candidates?sort=score&page=100`],
    ['GET /api/candidates/:id', `/api/candidates/${ids.sampleCandidate}`],
    ['GET / (leaderboard page)', '/'],
    ['GET /runs/:id (big run page)', `/runs/${ids.bigRun}`],
  ];
  console.log(
    'cold: a live iteration (candidate, evaluation, LLM call, event) is committed before every request; verdict: also a verified verdict; warm: nothing',
  );
  const cold: number[] = [];
  for (const [label, url] of routes) cold.push(await measure(base, label, url, 'iteration'));
  const afterVerdict: number[] = [];
  for (const [label, url] of routes.slice(0, 4))
    afterVerdict.push(await measure(base, label, url, 'verdict'));
  for (const [label, url] of routes) await measure(base, label, url, 'none');
  const [full, patched] = sideBySide();
  server.closeAllConnections();
  server.close();
  store.close();
  if (args.keep || dir === undefined) console.log(`database kept at ${dbPath}`);
  else rmSync(dir, { recursive: true, force: true });
  const [lb, , run] = cold;
  console.log(
    `cold (a commit before every request): leaderboard API median ${lb!.toFixed(1)} ms, run API median ${run!.toFixed(1)} ms (target <= 20 ms at 1M, issue 22.4)`,
  );
  console.log(
    `after a new verified verdict of the big run: leaderboard API median ${afterVerdict[0]!.toFixed(1)} ms, run API median ${afterVerdict[2]!.toFixed(1)} ms (another run's page: ${afterVerdict[3]!.toFixed(1)} ms)`,
  );
  console.log(
    `verified rows after a new verdict, side by side: full read ${full.toFixed(1)} ms CPU, patched (migration 0010) ${patched.toFixed(1)} ms CPU, ${(full / patched).toFixed(0)}x less`,
  );
  process.exitCode = lb! <= 20 && run! <= 20 ? 0 : 1;
}

await main();
