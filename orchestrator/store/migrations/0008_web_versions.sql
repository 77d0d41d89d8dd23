-- 0008: more writer-kept summaries for the web at 1,000,000 candidates (issue 22.4), kept by triggers like 0006's.
-- Read by web/src/queries.ts and web/src/leaderboard.ts. Figures: bench/web-api.ts. Never edited once landed.

-- Change counters: `verdicts` moves whenever anything the leaderboard and the verified views read changes (a
-- verdict, a candidate's verified flag, problem, run, model or proposer, a run's model, proposer, strategy or
-- sandbox, a problem's spec). The web keeps what it computed from verdicts until the counter moves, so a commit
-- of a candidate, an event or an LLM call (every iteration of a live run) does not recompute them.
CREATE TABLE web_versions (
  topic TEXT PRIMARY KEY,
  n INTEGER NOT NULL DEFAULT 0
);
INSERT INTO web_versions (topic, n) VALUES ('verdicts', 0);

CREATE TRIGGER web_versions_verdict_insert AFTER INSERT ON verdicts
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_verdict_update AFTER UPDATE ON verdicts
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_verdict_delete AFTER DELETE ON verdicts
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_candidate_update AFTER UPDATE OF verified, problem_name, run_id, model, proposer, iteration
  ON candidates
  WHEN OLD.verified IS NOT NEW.verified OR OLD.problem_name IS NOT NEW.problem_name OR OLD.run_id IS NOT NEW.run_id
    OR OLD.model IS NOT NEW.model OR OLD.proposer IS NOT NEW.proposer OR OLD.iteration IS NOT NEW.iteration
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_candidate_delete AFTER DELETE ON candidates WHEN OLD.verified = 1
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_run_update AFTER UPDATE OF problem_name, model, proposer, strategy, sandbox ON runs
  WHEN OLD.problem_name IS NOT NEW.problem_name OR OLD.model IS NOT NEW.model OR OLD.proposer IS NOT NEW.proposer
    OR OLD.strategy IS NOT NEW.strategy OR OLD.sandbox IS NOT NEW.sandbox
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_run_delete AFTER DELETE ON runs
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_problem_insert AFTER INSERT ON problems
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;
CREATE TRIGGER web_versions_problem_update AFTER UPDATE ON problems
BEGIN
  UPDATE web_versions SET n = n + 1 WHERE topic = 'verdicts';
END;

-- LLM spend per run: the sums the run page and the leaderboard's cost column show, without reading a run's calls.
CREATE TABLE web_run_spend (
  run_id TEXT PRIMARY KEY,
  calls INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  cost REAL NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0
);

INSERT INTO web_run_spend (run_id, calls, errors, cost, input_tokens, output_tokens, latency_ms, cache_read_tokens,
    cache_write_tokens)
  SELECT run_id, COUNT(*), COALESCE(SUM(status <> 'ok'), 0), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(input_tokens), 0),
    COALESCE(SUM(output_tokens), 0), COALESCE(SUM(latency_ms), 0), COALESCE(SUM(cache_read_tokens), 0),
    COALESCE(SUM(cache_write_tokens), 0)
  FROM llm_calls WHERE run_id IS NOT NULL GROUP BY run_id;

CREATE TRIGGER web_run_spend_insert AFTER INSERT ON llm_calls WHEN NEW.run_id IS NOT NULL
BEGIN
  INSERT INTO web_run_spend (run_id, calls, errors, cost, input_tokens, output_tokens, latency_ms, cache_read_tokens,
      cache_write_tokens)
    VALUES (NEW.run_id, 1, NEW.status <> 'ok', COALESCE(NEW.cost_usd, 0), COALESCE(NEW.input_tokens, 0),
      COALESCE(NEW.output_tokens, 0), COALESCE(NEW.latency_ms, 0), COALESCE(NEW.cache_read_tokens, 0),
      COALESCE(NEW.cache_write_tokens, 0))
  ON CONFLICT (run_id) DO UPDATE SET calls = calls + 1, errors = errors + excluded.errors, cost = cost + excluded.cost,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
    latency_ms = latency_ms + excluded.latency_ms, cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens;
END;

-- A changed call (the store only sets candidate_id, which leaves the sums alone): take the old values out, put
-- the new ones in.
CREATE TRIGGER web_run_spend_update AFTER UPDATE OF run_id, status, cost_usd, input_tokens, output_tokens, latency_ms,
    cache_read_tokens, cache_write_tokens ON llm_calls
BEGIN
  UPDATE web_run_spend SET calls = calls - 1, errors = errors - (OLD.status <> 'ok'), cost = cost - COALESCE(OLD.cost_usd, 0),
    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0), output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0),
    latency_ms = latency_ms - COALESCE(OLD.latency_ms, 0),
    cache_read_tokens = cache_read_tokens - COALESCE(OLD.cache_read_tokens, 0),
    cache_write_tokens = cache_write_tokens - COALESCE(OLD.cache_write_tokens, 0)
  WHERE run_id = OLD.run_id;
  INSERT INTO web_run_spend (run_id, calls, errors, cost, input_tokens, output_tokens, latency_ms, cache_read_tokens,
      cache_write_tokens)
    SELECT NEW.run_id, 1, NEW.status <> 'ok', COALESCE(NEW.cost_usd, 0), COALESCE(NEW.input_tokens, 0),
      COALESCE(NEW.output_tokens, 0), COALESCE(NEW.latency_ms, 0), COALESCE(NEW.cache_read_tokens, 0),
      COALESCE(NEW.cache_write_tokens, 0)
    WHERE NEW.run_id IS NOT NULL
  ON CONFLICT (run_id) DO UPDATE SET calls = calls + 1, errors = errors + excluded.errors, cost = cost + excluded.cost,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
    latency_ms = latency_ms + excluded.latency_ms, cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens;
END;

CREATE TRIGGER web_run_spend_delete AFTER DELETE ON llm_calls WHEN OLD.run_id IS NOT NULL
BEGIN
  UPDATE web_run_spend SET calls = calls - 1, errors = errors - (OLD.status <> 'ok'), cost = cost - COALESCE(OLD.cost_usd, 0),
    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0), output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0),
    latency_ms = latency_ms - COALESCE(OLD.latency_ms, 0),
    cache_read_tokens = cache_read_tokens - COALESCE(OLD.cache_read_tokens, 0),
    cache_write_tokens = cache_write_tokens - COALESCE(OLD.cache_write_tokens, 0)
  WHERE run_id = OLD.run_id;
END;

-- The holder of each occupied MAP-Elites cell of a run (per island): the highest score, the first placed on a tie,
-- as ProgramDatabase.place keeps it. Population rows are written once, in seq order, and never changed.
CREATE TABLE web_run_cells (
  run_id TEXT NOT NULL,
  island INTEGER NOT NULL,
  cell TEXT NOT NULL,
  candidate_id TEXT NOT NULL,
  score REAL,
  seq INTEGER NOT NULL,
  features_json TEXT NOT NULL,
  PRIMARY KEY (run_id, island, cell)
);

INSERT INTO web_run_cells (run_id, island, cell, candidate_id, score, seq, features_json)
  SELECT run_id, island, cell, candidate_id, score, seq, features_json FROM (
    SELECT run_id, island, cell, candidate_id, score, seq, features_json,
      ROW_NUMBER() OVER (PARTITION BY run_id, island, cell ORDER BY score IS NULL, score DESC, seq) AS k
    FROM population_programs WHERE cell IS NOT NULL)
  WHERE k = 1;

CREATE TRIGGER web_run_cells_insert AFTER INSERT ON population_programs WHEN NEW.cell IS NOT NULL
BEGIN
  INSERT INTO web_run_cells (run_id, island, cell, candidate_id, score, seq, features_json)
    VALUES (NEW.run_id, NEW.island, NEW.cell, NEW.candidate_id, NEW.score, NEW.seq, NEW.features_json)
  ON CONFLICT (run_id, island, cell) DO UPDATE SET candidate_id = excluded.candidate_id, score = excluded.score,
    seq = excluded.seq, features_json = excluded.features_json
  WHERE excluded.score IS NOT NULL AND (score IS NULL OR excluded.score > score
    OR (excluded.score = score AND excluded.seq < seq));
END;
