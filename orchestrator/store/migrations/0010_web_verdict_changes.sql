-- 0010: which candidates' verified results changed, so the web re-reads those few rows after a new verdict instead
-- of every verified verdict (issue 22.4: ~270 ms of CPU at 9,740 verified verdicts). Read by web/src/verified-rows.ts;
-- figures: bench/web-api.ts ("verdict" rows). Never edited once landed.
--
-- One row per change, in commit order. candidate_id names the candidate whose latest verified (or claimed) verdict,
-- or the labels the leaderboard shows with it, may have changed; NULL means anything may have (a run's labels, a
-- deleted run): the reader then reads everything again. The same events move 0008's `verdicts` counter.
CREATE TABLE web_verdict_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  candidate_id TEXT
);

CREATE TRIGGER web_verdict_changes_verdict_insert AFTER INSERT ON verdicts
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (NEW.candidate_id);
END;
CREATE TRIGGER web_verdict_changes_verdict_update AFTER UPDATE ON verdicts
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (NEW.candidate_id);
  INSERT INTO web_verdict_changes (candidate_id) SELECT OLD.candidate_id WHERE OLD.candidate_id IS NOT NEW.candidate_id;
END;
CREATE TRIGGER web_verdict_changes_verdict_delete AFTER DELETE ON verdicts
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (OLD.candidate_id);
END;
CREATE TRIGGER web_verdict_changes_candidate_update AFTER UPDATE OF verified, problem_name, run_id, model, proposer,
    iteration ON candidates
  WHEN OLD.verified IS NOT NEW.verified OR OLD.problem_name IS NOT NEW.problem_name OR OLD.run_id IS NOT NEW.run_id
    OR OLD.model IS NOT NEW.model OR OLD.proposer IS NOT NEW.proposer OR OLD.iteration IS NOT NEW.iteration
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (NEW.id);
END;
CREATE TRIGGER web_verdict_changes_candidate_delete AFTER DELETE ON candidates
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (OLD.id);
END;
CREATE TRIGGER web_verdict_changes_run_update AFTER UPDATE OF id, problem_name, model, proposer, strategy, sandbox ON runs
  WHEN OLD.id IS NOT NEW.id OR OLD.problem_name IS NOT NEW.problem_name OR OLD.model IS NOT NEW.model
    OR OLD.proposer IS NOT NEW.proposer OR OLD.strategy IS NOT NEW.strategy OR OLD.sandbox IS NOT NEW.sandbox
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (NULL);
END;
CREATE TRIGGER web_verdict_changes_run_delete AFTER DELETE ON runs
BEGIN
  INSERT INTO web_verdict_changes (candidate_id) VALUES (NULL);
END;
