-- 0005: a verdict imported from a bundle is a claim, not a measurement made here.
-- claimed_by names the claimant (a digest of the bundle's fingerprint); such rows are stored with
-- verified = 0, and the bundle's own word is kept in claimed_verified. Only `adrs verify` on this
-- machine adds a verified = 1 verdict for the imported candidate.
ALTER TABLE verdicts ADD COLUMN claimed_by TEXT;
ALTER TABLE verdicts ADD COLUMN claimed_verified INTEGER;
CREATE INDEX verdicts_claimed ON verdicts(candidate_id) WHERE claimed_by IS NOT NULL;
