-- 0007: objective values of each placed program (multi-objective problems), so a resumed run ranks its population by
-- Pareto order exactly as before and the run page can show the front. NULL for single-score problems.
ALTER TABLE population_programs ADD COLUMN objectives_json TEXT;
