-- 0006: summaries for the web at 1,000,000 candidates (issue 22.4), kept by the writer through triggers, so
-- every path that writes candidates (the loop, imports, tests, benchmarks) keeps them true without a code
-- change. Read by web/src/queries.ts. Figures: bench/web-api.ts. Never edited once landed.

-- A run's candidates by (status, island): count, verified, correct, best screen score, highest iteration.
-- `best` is exact: when the candidate holding it leaves the group (or is deleted), the group's best is looked
-- up again. `max_iteration` only grows (a deleted last candidate leaves it; nothing deletes candidates).
CREATE TABLE web_run_groups (
  run_id TEXT NOT NULL,
  status TEXT NOT NULL,
  island INTEGER,
  island_key INTEGER NOT NULL,      -- island, with -1 for none (NULLs are never equal in a key)
  n INTEGER NOT NULL DEFAULT 0,
  verified INTEGER NOT NULL DEFAULT 0,
  correct INTEGER NOT NULL DEFAULT 0,
  best REAL,
  max_iteration INTEGER,
  PRIMARY KEY (run_id, status, island_key)
);

INSERT INTO web_run_groups (run_id, status, island, island_key, n, verified, correct, best, max_iteration)
  SELECT run_id, status, island, COALESCE(island, -1), COUNT(*), SUM(verified), SUM(correct = 1), MAX(score),
    MAX(iteration)
  FROM candidates WHERE run_id IS NOT NULL GROUP BY run_id, status, COALESCE(island, -1);

CREATE TRIGGER web_run_groups_insert AFTER INSERT ON candidates WHEN NEW.run_id IS NOT NULL
BEGIN
  INSERT INTO web_run_groups (run_id, status, island, island_key, n, verified, correct, best, max_iteration)
    VALUES (NEW.run_id, NEW.status, NEW.island, COALESCE(NEW.island, -1), 1, NEW.verified, COALESCE(NEW.correct = 1, 0),
      NEW.score, NEW.iteration)
  ON CONFLICT (run_id, status, island_key) DO UPDATE SET
    n = n + 1,
    verified = verified + excluded.verified,
    correct = correct + excluded.correct,
    best = CASE WHEN best IS NULL OR excluded.best > best THEN excluded.best ELSE best END,
    max_iteration = CASE WHEN max_iteration IS NULL OR excluded.max_iteration > max_iteration
      THEN excluded.max_iteration ELSE max_iteration END;
END;

CREATE TRIGGER web_run_groups_update AFTER UPDATE OF run_id, status, island, verified, correct, score, iteration
  ON candidates
BEGIN
  UPDATE web_run_groups SET n = n - 1, verified = verified - OLD.verified, correct = correct - COALESCE(OLD.correct = 1, 0)
    WHERE OLD.run_id IS NOT NULL AND run_id = OLD.run_id AND status = OLD.status
      AND island_key = COALESCE(OLD.island, -1);
  DELETE FROM web_run_groups WHERE n <= 0 AND OLD.run_id IS NOT NULL AND run_id = OLD.run_id
    AND status = OLD.status AND island_key = COALESCE(OLD.island, -1);
  -- The candidate that left held its old group's best: that group's best is looked up again (rare).
  UPDATE web_run_groups SET best = (SELECT MAX(score) FROM candidates WHERE run_id = OLD.run_id
      AND status = OLD.status AND island IS OLD.island)
    WHERE OLD.run_id IS NOT NULL AND OLD.score IS NOT NULL AND run_id = OLD.run_id AND status = OLD.status
      AND island_key = COALESCE(OLD.island, -1) AND best = OLD.score;
  INSERT INTO web_run_groups (run_id, status, island, island_key, n, verified, correct, best, max_iteration)
    SELECT NEW.run_id, NEW.status, NEW.island, COALESCE(NEW.island, -1), 1, NEW.verified, COALESCE(NEW.correct = 1, 0),
      NEW.score, NEW.iteration
    WHERE NEW.run_id IS NOT NULL
  ON CONFLICT (run_id, status, island_key) DO UPDATE SET
    n = n + 1,
    verified = verified + excluded.verified,
    correct = correct + excluded.correct,
    best = CASE WHEN best IS NULL OR excluded.best > best THEN excluded.best ELSE best END,
    max_iteration = CASE WHEN max_iteration IS NULL OR excluded.max_iteration > max_iteration
      THEN excluded.max_iteration ELSE max_iteration END;
END;

CREATE TRIGGER web_run_groups_delete AFTER DELETE ON candidates WHEN OLD.run_id IS NOT NULL
BEGIN
  UPDATE web_run_groups SET n = n - 1, verified = verified - OLD.verified, correct = correct - COALESCE(OLD.correct = 1, 0)
    WHERE run_id = OLD.run_id AND status = OLD.status AND island_key = COALESCE(OLD.island, -1);
  DELETE FROM web_run_groups WHERE n <= 0 AND run_id = OLD.run_id AND status = OLD.status
    AND island_key = COALESCE(OLD.island, -1);
  UPDATE web_run_groups SET best = (SELECT MAX(score) FROM candidates WHERE run_id = OLD.run_id
      AND status = OLD.status AND island IS OLD.island)
    WHERE OLD.score IS NOT NULL AND run_id = OLD.run_id AND status = OLD.status
      AND island_key = COALESCE(OLD.island, -1) AND best = OLD.score;
END;

-- The verified candidates of a run, read without touching the others (the verified best, its chart).
CREATE INDEX web_candidates_run_verified ON candidates(run_id, iteration) WHERE verified = 1;

-- (0002 already indexes events by (run_id, type, id) and candidates by (run_id, score).)

-- The top screen score of each block of 64 iterations of a run (and its candidate): the run chart's cloud for
-- a long run is folded from these rows instead of reading every candidate. Only grows: a score is written
-- once, when a candidate is evaluated, so a lowered or deleted score (which nothing does) would stay here.
CREATE TABLE web_run_buckets (
  run_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,          -- iteration / 64
  best REAL NOT NULL,
  iteration INTEGER NOT NULL,
  candidate_id TEXT NOT NULL,
  PRIMARY KEY (run_id, bucket)
);

INSERT INTO web_run_buckets (run_id, bucket, best, iteration, candidate_id)
  SELECT run_id, iteration / 64, MAX(score), iteration, id FROM candidates
  WHERE run_id IS NOT NULL AND iteration IS NOT NULL AND score IS NOT NULL
  GROUP BY run_id, iteration / 64;

CREATE TRIGGER web_run_buckets_insert AFTER INSERT ON candidates
  WHEN NEW.run_id IS NOT NULL AND NEW.iteration IS NOT NULL AND NEW.score IS NOT NULL
BEGIN
  INSERT INTO web_run_buckets (run_id, bucket, best, iteration, candidate_id)
    VALUES (NEW.run_id, NEW.iteration / 64, NEW.score, NEW.iteration, NEW.id)
  ON CONFLICT (run_id, bucket) DO UPDATE SET best = excluded.best, iteration = excluded.iteration,
    candidate_id = excluded.candidate_id WHERE excluded.best > best;
END;

CREATE TRIGGER web_run_buckets_update AFTER UPDATE OF score, iteration, run_id ON candidates
  WHEN NEW.run_id IS NOT NULL AND NEW.iteration IS NOT NULL AND NEW.score IS NOT NULL
BEGIN
  INSERT INTO web_run_buckets (run_id, bucket, best, iteration, candidate_id)
    VALUES (NEW.run_id, NEW.iteration / 64, NEW.score, NEW.iteration, NEW.id)
  ON CONFLICT (run_id, bucket) DO UPDATE SET best = excluded.best, iteration = excluded.iteration,
    candidate_id = excluded.candidate_id WHERE excluded.best > best;
END;
