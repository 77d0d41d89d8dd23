-- 0003: the population in rows, written once per program (runs.state_json keeps only counters and the RNG).
-- Replaying a run's rows in seq order rebuilds its islands, MAP-Elites grids and archive exactly.

CREATE TABLE population_programs (
  run_id TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,             -- order of addition in the run (0 = the seed)
  candidate_id TEXT NOT NULL,
  is_seed INTEGER NOT NULL DEFAULT 0,
  island INTEGER NOT NULL,          -- the island it was born on
  cell TEXT,                        -- MAP-Elites cell it was placed in on that island; NULL: a duplicate, not placed
  score REAL,
  correct INTEGER NOT NULL,
  parent_id TEXT,
  iteration INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  code_hash TEXT NOT NULL,
  features_json TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE UNIQUE INDEX population_programs_candidate ON population_programs(run_id, candidate_id);

-- Existing runs: their programs move out of state_json, in the order they were added (the JSON object's order).
INSERT INTO population_programs
  (run_id, seq, candidate_id, is_seed, island, cell, score, correct, parent_id, iteration, generation, code_hash, features_json)
SELECT r.id,
       ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY p.id) - 1,
       p.key,
       p.key = json_extract(r.state_json, '$.population.seedId'),
       json_extract(p.value, '$.island'),
       NULL,
       json_extract(p.value, '$.score'),
       CASE WHEN json_extract(p.value, '$.correct') THEN 1 ELSE 0 END,
       json_extract(p.value, '$.parentId'),
       json_extract(p.value, '$.iteration'),
       json_extract(p.value, '$.generation'),
       json_extract(p.value, '$.codeHash'),
       json(json_extract(p.value, '$.features'))
FROM runs r, json_each(r.state_json, '$.population.programs') p
WHERE json_valid(r.state_json) AND json_extract(r.state_json, '$.version') = 1;

UPDATE runs
SET state_json = json_remove(
      json_set(state_json,
        '$.version', 2,
        '$.sampling', json_object(
          'rng', json_extract(state_json, '$.population.rng'),
          'nextIsland', json_extract(state_json, '$.population.nextIsland')),
        '$.programs', (SELECT COUNT(*) FROM population_programs pp WHERE pp.run_id = runs.id)),
      '$.population')
WHERE json_valid(state_json) AND json_extract(state_json, '$.version') = 1;
