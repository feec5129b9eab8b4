-- What a reader sets about how personal their digest is (src/digest/personalise.ts):
-- how far their keywords and answers move papers against the trending order, 0 (trending) to
-- 100 (their taste), and words whose papers never reach them.

ALTER TABLE subscribers
  ADD COLUMN personalisation smallint NOT NULL DEFAULT 75 CHECK (personalisation BETWEEN 0 AND 100),
  ADD COLUMN muted_keywords text[] NOT NULL DEFAULT '{}';
