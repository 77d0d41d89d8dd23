// The store: one SQLite file (WAL) behind typed methods. All SQL of the platform lives in this folder.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { InputError, NotFoundError } from '../../core/errors.js';
import { MIGRATIONS_DIR, migrate, migrationFiles } from './migrate.js';
import { refuseNewerStore } from './store-version.js';
import { prepared } from './statements.js';
import { VERIFIED_ORDER_SQL } from './verified-best.js';
import type {
  CandidateRow,
  EvaluationRow,
  EventRow,
  LlmCallRow,
  NewCandidate,
  NewEvaluation,
  NewLlmCall,
  NewRun,
  NewVerdict,
  RunRow,
  SampleRow,
  VerdictRow,
} from './types.js';

export const DEFAULT_DB = path.join('.adrs', 'adrs.db');

/** The database path: the --db flag, then ADRS_DB, then .adrs/adrs.db under the working directory. */
export function resolveDbPath(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  return path.resolve(cwd, flag ?? env.ADRS_DB ?? DEFAULT_DB);
}

const now = (): string => new Date().toISOString();
const json = (v: unknown): string => JSON.stringify(v ?? null);

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export class Store {
  readonly db: Database.Database;
  readonly path: string;
  /** Statements prepared once per connection and SQL text (statements.ts), used as `this.st.prepare(sql)`. */
  private readonly st = { prepare: (sql: string) => prepared(this.db, sql) };

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.path = file;
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static open(file: string, options: { readonly?: boolean } = {}): Store {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
    } catch (error) {
      throw new InputError(
        `${file}: cannot open the database: ${(error as Error).message} (check --db / ADRS_DB)`,
        {
          cause: error,
        },
      );
    }
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    try {
      if (options.readonly)
        refuseNewerStore(
          db,
          file,
          migrationFiles().map((m) => m.version),
        );
      else migrate(db, MIGRATIONS_DIR, file);
    } catch (error) {
      db.close();
      throw error;
    }
    return new Store(db, file);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- problems ---

  upsertProblem(p: { name: string; contentHash: string; dir: string; spec: unknown }): void {
    this.st
      .prepare(
        'INSERT OR IGNORE INTO problems (name, content_hash, dir, spec_json, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(p.name, p.contentHash, p.dir, json(p.spec), now());
  }

  getProblem(
    name: string,
    contentHash?: string,
  ): { name: string; content_hash: string; dir: string; spec_json: string } | undefined {
    return (
      contentHash
        ? this.st.prepare('SELECT * FROM problems WHERE name = ? AND content_hash = ?').get(name, contentHash)
        : this.st.prepare('SELECT * FROM problems WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(name)
    ) as { name: string; content_hash: string; dir: string; spec_json: string } | undefined;
  }

  // --- runs ---

  createRun(run: NewRun): RunRow {
    const id = run.id ?? newId('run');
    const t = now();
    this.st
      .prepare(
        `INSERT INTO runs (id, problem_name, problem_hash, status, strategy, proposer, model, sandbox, config_json, state_json, created_at, updated_at)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        run.problemName,
        run.problemHash,
        run.strategy,
        run.proposer ?? null,
        run.model ?? null,
        run.sandbox,
        json(run.config),
        run.state === undefined ? null : json(run.state),
        t,
        t,
      );
    return this.getRun(id);
  }

  getRun(id: string): RunRow {
    const row = this.st.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new NotFoundError(`run "${id}" not found (see \`adrs runs\`)`);
    return row;
  }

  findRun(id: string): RunRow | undefined {
    return this.st.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  listRuns(limit = 50): RunRow[] {
    return this.st.prepare('SELECT * FROM runs ORDER BY created_at DESC LIMIT ?').all(limit) as RunRow[];
  }

  updateRun(
    id: string,
    patch: Partial<{
      status: string;
      state: unknown;
      iterationsDone: number;
      spentUsd: number;
      bestCandidateId: string | null;
      bestVerifiedCandidateId: string | null;
      error: string | null;
    }>,
  ): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const add = (col: string, v: unknown): void => {
      sets.push(`${col} = ?`);
      values.push(v);
    };
    if (patch.status !== undefined) add('status', patch.status);
    if (patch.state !== undefined) add('state_json', json(patch.state));
    if (patch.iterationsDone !== undefined) add('iterations_done', patch.iterationsDone);
    if (patch.spentUsd !== undefined) add('spent_usd', patch.spentUsd);
    if (patch.bestCandidateId !== undefined) add('best_candidate_id', patch.bestCandidateId);
    if (patch.bestVerifiedCandidateId !== undefined)
      add('best_verified_candidate_id', patch.bestVerifiedCandidateId);
    if (patch.error !== undefined) add('error', patch.error);
    add('updated_at', now());
    this.st.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  // --- candidates ---

  insertCandidate(c: NewCandidate): CandidateRow {
    const id = c.id ?? newId('cand');
    this.st
      .prepare(
        `INSERT INTO candidates (id, run_id, problem_name, problem_hash, parent_id, island, generation, iteration, files_json, patch, proposer, model, edit_json, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        c.runId ?? null,
        c.problemName,
        c.problemHash,
        c.parentId ?? null,
        c.island ?? null,
        c.generation ?? 0,
        c.iteration ?? null,
        json(c.files),
        c.patch ?? '',
        c.proposer ?? null,
        c.model ?? null,
        c.edit === undefined ? null : json(c.edit),
        c.status ?? 'pending',
        now(),
      );
    return this.getCandidate(id);
  }

  getCandidate(id: string): CandidateRow {
    const row = this.findCandidate(id);
    if (!row) throw new NotFoundError(`candidate "${id}" not found (see \`adrs show <run>\`)`);
    return row;
  }

  findCandidate(id: string): CandidateRow | undefined {
    return this.st.prepare('SELECT * FROM candidates WHERE id = ?').get(id) as CandidateRow | undefined;
  }

  listCandidates(runId: string): CandidateRow[] {
    return this.st
      .prepare('SELECT * FROM candidates WHERE run_id = ? ORDER BY iteration, created_at')
      .all(runId) as CandidateRow[];
  }

  updateCandidate(
    id: string,
    patch: Partial<{
      status: string;
      score: number | null;
      correct: boolean | null;
      verified: boolean;
      edit: unknown;
    }>,
  ): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const add = (col: string, v: unknown): void => {
      sets.push(`${col} = ?`);
      values.push(v);
    };
    if (patch.status !== undefined) add('status', patch.status);
    if (patch.score !== undefined) add('score', patch.score);
    if (patch.correct !== undefined) add('correct', patch.correct === null ? null : patch.correct ? 1 : 0);
    if (patch.verified !== undefined) add('verified', patch.verified ? 1 : 0);
    if (patch.edit !== undefined) add('edit_json', json(patch.edit));
    if (sets.length === 0) return;
    this.st.prepare(`UPDATE candidates SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  // --- evaluations and samples ---

  insertEvaluation(e: NewEvaluation): EvaluationRow {
    return this.transaction(() => {
      const info = this.st
        .prepare(
          `INSERT INTO evaluations (candidate_id, stage, status, correct, score, metrics_json, checks_json, feedback, artifacts_json, reason, stderr_tail, stdout_tail, duration_ms, sandbox, seed, fingerprint_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.candidateId,
          e.stage,
          e.status,
          e.correct === undefined || e.correct === null ? null : e.correct ? 1 : 0,
          e.score ?? null,
          json(e.metrics ?? {}),
          json(e.checks ?? []),
          e.feedback ?? '',
          json(e.artifacts ?? {}),
          e.reason ?? null,
          e.stderrTail ?? '',
          e.stdoutTail ?? '',
          Math.round(e.durationMs),
          e.sandbox,
          e.seed ?? null,
          e.fingerprint === undefined ? null : json(e.fingerprint),
          now(),
        );
      const id = Number(info.lastInsertRowid);
      const ins = this.st.prepare(
        'INSERT INTO samples (evaluation_id, arm, key, seq, value) VALUES (?, ?, ?, ?, ?)',
      );
      let seq = 0;
      for (const [key, values] of Object.entries(e.timings ?? {})) {
        for (const v of values) ins.run(id, 'candidate', key, seq++, v);
      }
      return this.st.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationRow;
    });
  }

  listEvaluations(candidateId: string): EvaluationRow[] {
    return this.st
      .prepare('SELECT * FROM evaluations WHERE candidate_id = ? ORDER BY id')
      .all(candidateId) as EvaluationRow[];
  }

  samplesForEvaluation(evaluationId: number): SampleRow[] {
    return this.st
      .prepare('SELECT * FROM samples WHERE evaluation_id = ? ORDER BY seq')
      .all(evaluationId) as SampleRow[];
  }

  // --- verdicts ---

  insertVerdict(v: NewVerdict): VerdictRow {
    return this.transaction(() => {
      const info = this.st
        .prepare(
          `INSERT INTO verdicts (candidate_id, baseline_candidate_id, verified, correct, speedup, ci_low, ci_high, confidence, min_effect, n_candidate, n_baseline, method, score, metrics_json, reason, fingerprint_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          v.candidateId,
          v.baselineCandidateId ?? null,
          v.verified ? 1 : 0,
          v.correct ? 1 : 0,
          v.speedup ?? null,
          v.ciLow ?? null,
          v.ciHigh ?? null,
          v.confidence ?? null,
          v.minEffect ?? null,
          v.nCandidate ?? null,
          v.nBaseline ?? null,
          v.method,
          v.score ?? null,
          json(v.metrics ?? {}),
          v.reason,
          json(v.fingerprint),
          now(),
        );
      const id = Number(info.lastInsertRowid);
      const ins = this.st.prepare(
        'INSERT INTO samples (verdict_id, arm, key, seq, value) VALUES (?, ?, ?, ?, ?)',
      );
      for (const s of v.samples ?? []) ins.run(id, s.arm, s.key, s.seq, s.value);
      if (v.verified) this.st.prepare('UPDATE candidates SET verified = 1 WHERE id = ?').run(v.candidateId);
      return this.st.prepare('SELECT * FROM verdicts WHERE id = ?').get(id) as VerdictRow;
    });
  }

  latestVerdict(candidateId: string): VerdictRow | undefined {
    return this.st
      .prepare('SELECT * FROM verdicts WHERE candidate_id = ? ORDER BY id DESC LIMIT 1')
      .get(candidateId) as VerdictRow | undefined;
  }

  samplesForVerdict(verdictId: number): SampleRow[] {
    return this.st
      .prepare('SELECT * FROM samples WHERE verdict_id = ? ORDER BY seq')
      .all(verdictId) as SampleRow[];
  }

  /** Verified results only, best first: what the leaderboard and `adrs best` show. */
  bestVerified(
    problemName?: string,
    limit = 20,
  ): (VerdictRow & {
    problem_name: string;
    run_id: string | null;
    proposer: string | null;
    model: string | null;
  })[] {
    const where = problemName ? 'AND c.problem_name = ?' : '';
    const args: unknown[] = problemName ? [problemName, limit] : [limit];
    return this.st
      .prepare(
        `SELECT v.*, c.problem_name, c.run_id, c.proposer, c.model FROM verdicts v
         JOIN candidates c ON c.id = v.candidate_id
         WHERE v.verified = 1 ${where}
           AND v.id = (SELECT MAX(v2.id) FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.verified = 1)
         ORDER BY ${VERIFIED_ORDER_SQL} LIMIT ?`,
      )
      .all(...args) as (VerdictRow & {
      problem_name: string;
      run_id: string | null;
      proposer: string | null;
      model: string | null;
    })[];
  }

  // --- llm calls ---

  insertLlmCall(c: NewLlmCall): LlmCallRow {
    const info = this.st
      .prepare(
        `INSERT INTO llm_calls (run_id, candidate_id, provider, model, status, error, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, latency_ms, attempts, prompt_json, response_text, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.runId ?? null,
        c.candidateId ?? null,
        c.provider,
        c.model,
        c.status,
        c.error ?? null,
        c.inputTokens ?? 0,
        c.outputTokens ?? 0,
        c.cacheReadTokens ?? 0,
        c.cacheWriteTokens ?? 0,
        c.costUsd ?? 0,
        Math.round(c.latencyMs ?? 0),
        c.attempts ?? 1,
        json(c.prompt),
        c.responseText ?? '',
        now(),
      );
    return this.st
      .prepare('SELECT * FROM llm_calls WHERE id = ?')
      .get(Number(info.lastInsertRowid)) as LlmCallRow;
  }

  /** Attaches LLM calls made before the candidate existed. */
  linkLlmCalls(ids: number[], candidateId: string): void {
    const st = this.st.prepare('UPDATE llm_calls SET candidate_id = ? WHERE id = ?');
    for (const id of ids) st.run(candidateId, id);
  }

  llmCallsForCandidate(candidateId: string): LlmCallRow[] {
    return this.st
      .prepare('SELECT * FROM llm_calls WHERE candidate_id = ? ORDER BY id')
      .all(candidateId) as LlmCallRow[];
  }

  /** A run's token sums over its LLM calls: input billed at the normal rate, cache reads and writes, output. */
  llmTokenTotals(runId: string): { input: number; cacheRead: number; cacheWrite: number; output: number } {
    return this.st
      .prepare(
        `SELECT COALESCE(SUM(input_tokens), 0) AS input, COALESCE(SUM(cache_read_tokens), 0) AS cacheRead,
           COALESCE(SUM(cache_write_tokens), 0) AS cacheWrite, COALESCE(SUM(output_tokens), 0) AS output
         FROM llm_calls WHERE run_id = ?`,
      )
      .get(runId) as { input: number; cacheRead: number; cacheWrite: number; output: number };
  }

  // --- events ---

  appendEvent(runId: string | null, type: string, payload: unknown): number {
    const info = this.st
      .prepare('INSERT INTO events (run_id, type, payload_json, created_at) VALUES (?, ?, ?, ?)')
      .run(runId, type, json(payload), now());
    return Number(info.lastInsertRowid);
  }

  eventsSince(runId: string, afterId: number, limit = 500): EventRow[] {
    return this.st
      .prepare('SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(runId, afterId, limit) as EventRow[];
  }
}
