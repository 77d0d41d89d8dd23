-- 0002: indexes for the web pages, so the leaderboard and the run summary stay fast at 100,000+ candidates
-- (figures: bench/web-api.ts). Read by web/src/queries.ts (SELECT only). Never edited once landed.

-- run summary: candidates by (status, island) with counts and best score, read in index order, no sort
CREATE INDEX web_candidates_run_status ON candidates(run_id, status, island, verified, correct, score);

-- run summary: the score cloud and best curve by iteration read only this index
CREATE INDEX web_candidates_run_iteration_score ON candidates(run_id, iteration, score);

-- run summary: the top-scoring candidates of a run (lineage of long runs)
CREATE INDEX web_candidates_run_score ON candidates(run_id, score);

-- cost and spend per run: the sums read only this index
CREATE INDEX web_llm_calls_run_cost
  ON llm_calls(run_id, cost_usd, status, input_tokens, output_tokens, latency_ms);

-- leaderboard: the verified verdicts, newest per candidate
CREATE INDEX web_verdicts_verified ON verdicts(candidate_id, id) WHERE verified = 1;

-- latest event of a type (run:progress) for throughput
CREATE INDEX web_events_run_type ON events(run_id, type, id);
