-- What a reader sets about how personal their digest is (src/digest/personalise.ts):
-- how far their keywords and answers move papers against the trending order, 0 (trending) to
-- 100 (their taste), and words whose papers never reach them.

ALTER TABLE subscribers
  ADD COLUMN personalisation smallint NOT NULL DEFAULT 75 CHECK (personalisation BETWEEN 0 AND 100),
  ADD COLUMN muted_keywords text[] NOT NULL DEFAULT '{}';

-- The organisation the Hugging Face API names for a paper, as it gives it ({ name, fullname }),
-- and the organisations a reader follows from the feedback page: their papers always come first.
ALTER TABLE papers ADD COLUMN organization jsonb;

CREATE TABLE reader_organisations (
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- the organisation's key (`name`) as the API gives it
  organisation text NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
  -- its display name (`fullname`) when it was followed
  fullname text NOT NULL CHECK (length(fullname) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, organisation)
);
