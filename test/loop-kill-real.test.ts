// kill -9 of a real `adrs evolve problems/matmul-cpu` (real local sandbox, compiled C, held-out run and A/B timing)
// at random moments, verification included; then `adrs resume`: it sweeps the killed run's sandboxes, evaluates
// what was pending, loses and repeats nothing, and ends with a verified best that agrees with the stored verdicts.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { verifiedBestOfRun } from '../orchestrator/store/verified-best.js';
import { localSessionBases, OWNER_FILE, type SessionOwner } from '../sandboxes/local/gc.js';
import { findMarked } from '../sandboxes/local/process-sweep.js';

const root = path.resolve(import.meta.dirname, '..');
// The CLI from source (no dist/ build): a process of its own, so a SIGKILL is a real kill -9 of adrs.
const cli = ['--import', 'tsx', path.join(root, 'test', 'helpers', 'adrs-cli.ts')];
const ITERATIONS = 5;

interface Ev {
  type: string;
  runId: string;
  candidateId?: string;
  pair?: number;
}

interface Session {
  pid: number;
  events: Ev[];
  killed: boolean;
  code: number | null;
  err: string;
  /** Milliseconds from spawn to the first screen result or timing pair (how soon a resume gets to work). */
  firstWorkMs?: number;
  /** Session folders the killed process owned, found right after the kill (with their owner records). */
  leftovers: { root: string; owner: SessionOwner }[];
  /** The first events and when they came (printed: where a resume spends its first seconds). */
  timeline: string[];
}

/** The real matmul-cpu package with fewer A/B pairs (3 instead of 10 to 40) and smaller shapes, so a verification takes seconds. */
function quickMatmul(dir: string): string {
  const out = path.join(dir, 'matmul-cpu');
  cpSync(path.join(root, 'problems', 'matmul-cpu'), out, { recursive: true });
  const yaml = path.join(out, 'problem.yaml');
  const text = readFileSync(yaml, 'utf8');
  const quick = text
    .replace('verify_samples: 10', 'verify_samples: 3')
    .replace('max_samples: 40', 'max_samples: 3');
  expect(quick).not.toBe(text);
  writeFileSync(yaml, quick);
  // The largest shapes go too (the timed shape becomes a smaller one): the evaluator and sandbox stay as shipped.
  for (const big of [
    'screen/04-square.json',
    'screen/05-large.json',
    'verify/05-ragged.json',
    'verify/06-large.json',
  ])
    rmSync(path.join(out, 'workloads', big));
  return out;
}

async function ownedBy(pid: number): Promise<{ root: string; owner: SessionOwner }[]> {
  const out: { root: string; owner: SessionOwner }[] = [];
  for (const base of new Set(await localSessionBases())) {
    for (const name of readdirSync(base).filter((n) => n.startsWith('adrs-sandbox-'))) {
      const file = path.join(base, name, OWNER_FILE);
      try {
        const owner = JSON.parse(readFileSync(file, 'utf8')) as SessionOwner;
        if (owner.pid === pid) out.push({ root: path.join(base, name), owner });
      } catch {
        // no owner record (yet), or removed meanwhile
      }
    }
  }
  return out;
}

/**
 * Runs `adrs <args> --json`; `killAfter(event)` returns a delay in ms to SIGKILL it after that event
 * (undefined: keep going). With `inSandbox`, the delay counts from the moment it next holds a sandbox session
 * (an evaluation or timing sample in flight), so the kill surely leaves one behind. Resolves when it has ended.
 */
function run(args: string[], killAfter: (e: Ev) => number | undefined, inSandbox = false): Promise<Session> {
  const started = Date.now();
  const child = spawn(process.execPath, [...cli, ...args, '--json'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME }, // no API keys: the offline tuner proposes
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Session = {
    pid: child.pid!,
    events: [],
    killed: false,
    code: null,
    err: '',
    leftovers: [],
    timeline: [],
  };
  let armed = false;
  child.stderr.on('data', (d: Buffer) => (s.err += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as Ev;
    s.events.push(e);
    if (s.events.length <= 4) s.timeline.push(`${e.type}@${Date.now() - started}ms`);
    if (s.firstWorkMs === undefined && (e.type === 'candidate:evaluated' || e.type === 'verify:progress'))
      s.firstWorkMs = Date.now() - started;
    const delay = armed ? undefined : killAfter(e);
    if (delay === undefined) return;
    armed = true;
    if (!inSandbox) {
      setTimeout(() => child.kill('SIGKILL'), delay);
      return;
    }
    let fired = false;
    const poll = setInterval(() => {
      void ownedBy(s.pid).then((held) => {
        if (held.length === 0 || fired) return;
        fired = true;
        clearInterval(poll);
        setTimeout(() => child.kill('SIGKILL'), delay);
      });
    }, 50);
    child.once('exit', () => clearInterval(poll));
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      s.code = code;
      s.killed = signal === 'SIGKILL';
      void ownedBy(s.pid).then((l) => {
        s.leftovers = l;
        resolve(s);
      });
    });
  });
}

const rand = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo));

/** Candidates stored but never screened: what a resume must evaluate first. */
function pendingIds(db: string, runId: string): string[] {
  const store = Store.open(db);
  try {
    return store
      .listCandidates(runId)
      .filter((c) => c.status !== 'proposal-failed')
      .filter((c) => !store.listEvaluations(c.id).some((e) => e.stage === 'screen'))
      .map((c) => c.id);
  } finally {
    store.close();
  }
}

describe('kill -9 of a real run, verification included, then adrs resume', () => {
  it('sweeps the dead run, requeues its pending work, and loses or repeats nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-kill-real-'));
    const problem = quickMatmul(dir);
    const db = path.join(dir, 'adrs.db');
    const config = path.join(dir, 'run.yaml');
    // Verify a new best as soon as one more candidate has not beaten it, so verifications happen mid-run.
    writeFileSync(config, 'verifyAfter: 1\n');
    const sessions: Session[] = [];
    const log: string[] = [];

    // 1. A fresh run, killed during screening: 1 or 2 candidates screened, then 0-1.5 s more.
    const evaluatedTarget = rand(2, 4);
    let evaluated = 0;
    const first = await run(
      ['evolve', problem, '--iterations', String(ITERATIONS), '--db', db, '--config', config],
      (e) =>
        e.type === 'candidate:evaluated' && ++evaluated === evaluatedTarget ? rand(0, 1500) : undefined,
    );
    sessions.push(first);
    expect(first.killed, first.err).toBe(true);
    const runId = first.events[0]!.runId;
    log.push(`evolve killed after ${evaluated} screens; ${first.leftovers.length} sandbox folder(s) left`);

    // 2. Resumes killed during verification (0-2 s after a timing pair), then at a random early moment.
    // The first: 0-300 ms into the next timing sample's sandbox after a pair completed.
    const triggers: [(e: Ev) => number | undefined, boolean][] = [
      [(e) => (e.type === 'verify:progress' ? rand(0, 300) : undefined), true],
      [(e) => (e.type === 'run:start' ? rand(0, 4000) : undefined), false],
    ];
    let killedDuringVerify = 0;
    const notSwept: string[] = [];
    for (const [trigger, inSandbox] of triggers) {
      const before = sessions.at(-1)!;
      const s = await run(
        ['resume', runId, '--db', db],
        (e) => {
          // The sweep runs before the run starts: the dead session's folders are gone by run:start.
          if (e.type === 'run:start')
            notSwept.push(...before.leftovers.filter((l) => existsSync(l.root)).map((l) => l.root));
          return trigger(e);
        },
        inSandbox,
      );
      sessions.push(s);
      const pairs = s.events.filter((e) => e.type === 'verify:progress').length;
      const verified = s.events.filter((e) => e.type === 'candidate:verified').length;
      if (s.killed && pairs > 0 && verified === 0) killedDuringVerify++;
      log.push(
        `resume ${s.killed ? 'killed' : `ended (${s.code})`} after ${pairs} timing pair(s), first work after ${s.firstWorkMs ?? '-'} ms; ${s.leftovers.length} folder(s) left; ${s.timeline.join(' ')}`,
      );
      if (!s.killed) break;
    }

    // 3. The last resume runs to the end.
    const pendingBeforeLast = pendingIds(db, runId);
    const last = await run(['resume', runId, '--db', db], () => undefined);
    sessions.push(last);
    log.push(
      `final resume: code ${last.code}, first work after ${last.firstWorkMs ?? '-'} ms; ${last.timeline.join(' ')}`,
    );
    console.log(`kill -9 of a real run:\n  ${log.join('\n  ')}`);
    expect(last.code, last.err).toBe(0);
    expect(killedDuringVerify, log.join('\n')).toBeGreaterThan(0);
    expect(notSwept, 'still there when the resume started').toEqual([]);

    // The killed sessions' sandboxes are gone: folders and processes.
    const leftovers = sessions.flatMap((s) => s.leftovers);
    expect(leftovers.length, 'some kill left a sandbox behind to sweep').toBeGreaterThan(0);
    for (const l of leftovers) {
      expect(existsSync(l.root), l.root).toBe(false);
      expect(await findMarked(l.owner.marker), l.owner.marker).toEqual([]);
    }

    // What was pending when the last resume started was screened by it, at once (before the run ended).
    const screenedByLast = new Set(
      last.events.filter((e) => e.type === 'candidate:evaluated').map((e) => e.candidateId),
    );
    for (const id of pendingBeforeLast) expect(screenedByLast.has(id), id).toBe(true);

    const store = Store.open(db);
    try {
      const r = store.getRun(runId);
      expect(r.status).toBe('finished');
      expect(r.iterations_done).toBe(ITERATIONS);
      const cands = store.listCandidates(runId);
      // Nothing lost, nothing counted twice: one candidate per iteration, each screened exactly once.
      expect(cands.map((c) => c.iteration).sort((a, b) => a! - b!)).toEqual(
        Array.from({ length: ITERATIONS + 1 }, (_, i) => i),
      );
      for (const c of cands) {
        expect(c.status).not.toBe('pending');
        const evs = store.listEvaluations(c.id);
        expect(
          evs.filter((e) => e.stage === 'screen'),
          c.id,
        ).toHaveLength(1);
        // A verification is stored once (held-out row and verdict together), however often it was interrupted.
        const verdicts = store.db
          .prepare('SELECT COUNT(*) AS n FROM verdicts WHERE candidate_id = ?')
          .get(c.id) as { n: number };
        expect(verdicts.n, c.id).toBeLessThanOrEqual(1);
        expect(evs.filter((e) => e.stage === 'verify').length, c.id).toBe(verdicts.n);
      }
      // The tuner's state survived every kill: no knob assignment proposed twice.
      const knobs = cands
        .filter((c) => c.iteration !== 0)
        .map((c) => JSON.stringify(JSON.parse(c.edit_json!).knobs));
      expect(new Set(knobs).size).toBe(knobs.length);
      // The final best was verified, and the run's verified best is the one the stored verdicts give.
      if (r.best_candidate_id && r.best_candidate_id !== cands.find((c) => c.iteration === 0)!.id)
        expect(store.latestVerdict(r.best_candidate_id)).toBeDefined();
      expect(r.best_verified_candidate_id ?? null).toBe(
        verifiedBestOfRun(store.db, runId)?.candidate_id ?? null,
      );
    } finally {
      store.close();
    }
  }, 900_000);
});
