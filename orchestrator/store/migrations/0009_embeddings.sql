-- 0009: embeddings of program texts for novelty rejection, keyed by the embedding model and the text's SHA-256, so a
-- resumed run (or another run of the same problem) never pays to embed the same program twice.
CREATE TABLE embeddings (
  model TEXT NOT NULL,
  text_sha256 TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (model, text_sha256)
) WITHOUT ROWID;
