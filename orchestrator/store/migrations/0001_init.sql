-- 0001: the first schema. Migrations are numbered and never edited once landed.

CREATE TABLE problems (
  name TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  dir TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (name, content_hash)
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  problem_name TEXT NOT NULL,
  problem_hash TEXT NOT NULL,
  status TEXT NOT NULL,             -- running | stopped | finished | failed
  strategy TEXT NOT NULL,           -- evolve | best-of-n | eval
  proposer TEXT,
  model TEXT,
  sandbox TEXT NOT NULL,
  config_json TEXT NOT NULL,
  state_json TEXT,                  -- population, counters, rng state: everything resume needs
  iterations_done INTEGER NOT NULL DEFAULT 0,
  spent_usd REAL NOT NULL DEFAULT 0,
  best_candidate_id TEXT,
  best_verified_candidate_id TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE candidates (
  id TEXT PRIMARY KEY,
  run_id TEXT REFERENCES runs(id),
  problem_name TEXT NOT NULL,
  problem_hash TEXT NOT NULL,
  parent_id TEXT REFERENCES candidates(id),
  island INTEGER,
  generation INTEGER NOT NULL DEFAULT 0,
  iteration INTEGER,
  files_json TEXT NOT NULL,         -- { relPath: content } of the evolved files
  patch TEXT NOT NULL DEFAULT '',   -- unified diff against the seed
  proposer TEXT,
  model TEXT,
  edit_json TEXT,                   -- edit outcome: applied / partly / failed and why, per block
  status TEXT NOT NULL,             -- pending | evaluated | failed | refused
  score REAL,                       -- primary score of the screen stage, higher is better
  correct INTEGER,
  verified INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX candidates_run ON candidates(run_id, iteration);
CREATE INDEX candidates_problem_score ON candidates(problem_name, score DESC);
CREATE INDEX candidates_parent ON candidates(parent_id);

CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  stage TEXT NOT NULL,              -- screen | verify | time
  status TEXT NOT NULL,             -- ok | incorrect | failed | timeout | invalid-result | refused
  correct INTEGER,
  score REAL,
  metrics_json TEXT NOT NULL DEFAULT '{}',
  checks_json TEXT NOT NULL DEFAULT '[]',
  feedback TEXT NOT NULL DEFAULT '',
  artifacts_json TEXT NOT NULL DEFAULT '{}',
  reason TEXT,
  stderr_tail TEXT NOT NULL DEFAULT '',
  stdout_tail TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL,
  sandbox TEXT NOT NULL,
  seed INTEGER,
  fingerprint_json TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX evaluations_candidate ON evaluations(candidate_id);

CREATE TABLE samples (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  evaluation_id INTEGER REFERENCES evaluations(id),
  verdict_id INTEGER REFERENCES verdicts(id),
  arm TEXT NOT NULL,                -- candidate | baseline
  key TEXT NOT NULL,                -- what was timed
  seq INTEGER NOT NULL,             -- order of measurement (interleaving is visible)
  value REAL NOT NULL               -- seconds
);
CREATE INDEX samples_evaluation ON samples(evaluation_id);
CREATE INDEX samples_verdict ON samples(verdict_id);

CREATE TABLE verdicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  baseline_candidate_id TEXT REFERENCES candidates(id),
  verified INTEGER NOT NULL,
  correct INTEGER NOT NULL,
  speedup REAL,
  ci_low REAL,
  ci_high REAL,
  confidence REAL,
  min_effect REAL,
  n_candidate INTEGER,
  n_baseline INTEGER,
  method TEXT NOT NULL,             -- e.g. bootstrap-ratio-of-medians | deterministic
  score REAL,                       -- primary score on the held-out inputs
  metrics_json TEXT NOT NULL DEFAULT '{}',
  reason TEXT NOT NULL,
  fingerprint_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX verdicts_candidate ON verdicts(candidate_id);

CREATE TABLE llm_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT REFERENCES runs(id),
  candidate_id TEXT REFERENCES candidates(id),
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,             -- ok | error
  error TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 1,
  prompt_json TEXT NOT NULL,        -- the messages sent (never an API key)
  response_text TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX llm_calls_run ON llm_calls(run_id);
CREATE INDEX llm_calls_candidate ON llm_calls(candidate_id);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT,
  type TEXT NOT NULL,               -- noun:verb, e.g. candidate:evaluated
  payload_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX events_run ON events(run_id, id);
