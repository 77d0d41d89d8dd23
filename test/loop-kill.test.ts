// Resume after SIGKILL at random points of a long run (over fakes, so it is fast): what resume rebuilds is
// exactly the state of the last committed save, and the resumed run loses and repeats nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evolve, maxIterations } from '../orchestrator/loop/index.js';
import { RunPersistence } from '../orchestrator/loop/persistence.js';
import { Store } from '../orchestrator/store/store.js';
import { fakeEvolve, killConfig, stateHash } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';

const root = path.resolve(import.meta.dirname, '..');
const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

/** Runs the child until it has saved `minSaves` times, then waits `extraMs` more and SIGKILLs it. */
function runAndKill(db: string, log: string, minSaves: number, extraMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'test', 'fakes', 'kill-child.ts'), db, log],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setInterval(() => {
      if (lines(log).length < minSaves) return;
      clearInterval(timer);
      setTimeout(() => child.kill('SIGKILL'), extraMs);
    }, 20);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the child ended before the kill (code ${code}): ${err}`));
    });
  });
}

describe('resume after SIGKILL', () => {
  it('rebuilds the last committed save exactly, at random kill points, and then loses and repeats nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-kill-'));
    const db = path.join(dir, 'adrs.db');
    let runId = '';
    for (const round of [0, 1, 2]) {
      const log = path.join(dir, `saves-${round}.log`);
      const extraMs = Math.floor(Math.random() * 400);
      if (round === 0) await runAndKill(db, log, 20, extraMs);
      else {
        // Later rounds kill a resumed run (the child resumes: the store holds one run).
        await runAndKillResumed(db, log, runId, extraMs);
      }
      const store = Store.open(db);
      runId ||= store.listRuns(1)[0]!.id;
      const saves = lines(log);
      const back = RunPersistence.resume(store, runId, scriptedProposer(['same']), killConfig);
      const hash = stateHash(back.db, back.state);
      // The last line may be a save that never committed (the kill came between the two); one of the last two is.
      expect(saves.slice(-2), `round ${round}, killed ${extraMs} ms after ${saves.length} saves`).toContain(
        hash,
      );
      store.close();
    }

    // Resume to 40 more iterations in process: nothing pending, nothing evaluated twice, iterations unique.
    const store = Store.open(db);
    const before = store.listCandidates(runId);
    const started = Math.max(...before.map((c) => c.iteration ?? 0));
    const r = await evolve(
      fakeEvolve(store, scriptedProposer(['better', 'same']), {
        config: killConfig,
        resumeRunId: runId,
        stopWhen: [maxIterations(started + 40)],
      }),
    );
    expect(r.status).toBe('finished');
    const after = store.listCandidates(runId);
    for (const c of before) expect(after.some((a) => a.id === c.id)).toBe(true);
    expect(after.filter((c) => c.status === 'pending')).toHaveLength(0);
    for (const c of after)
      expect(store.listEvaluations(c.id).filter((e) => e.stage === 'screen').length).toBe(
        c.status === 'proposal-failed' ? 0 : 1,
      );
    expect(new Set(after.map((c) => c.iteration)).size).toBe(after.length);
    const placed = store.db
      .prepare('SELECT COUNT(*) AS n FROM population_programs WHERE run_id = ?')
      .get(runId) as { n: number };
    expect(placed.n).toBe(after.filter((c) => c.status !== 'proposal-failed').length);
    store.close();
  }, 120_000);
});

function runAndKillResumed(db: string, log: string, runId: string, extraMs: number): Promise<void> {
  process.env.ADRS_KILL_RESUME = runId;
  try {
    return runAndKill(db, log, 10, extraMs);
  } finally {
    delete process.env.ADRS_KILL_RESUME;
  }
}
