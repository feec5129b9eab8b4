-- What each reader taught their digest from the mail: "more like this" and "less like this" on a
-- paper, and the authors they follow. src/digest/relevance.ts learns their ranking from these.

CREATE TABLE reader_signals (
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  arxiv_id text NOT NULL REFERENCES papers (arxiv_id) ON DELETE CASCADE,
  -- 1: more like this; -1: less like this. One per paper: the latest answer counts.
  signal smallint NOT NULL CHECK (signal IN (-1, 1)),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, arxiv_id)
);

CREATE TABLE reader_follows (
  subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- an author's name exactly as the Hugging Face API gives it: namesakes are one author to us
  author text NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, author)
);

-- Set when a reader first gives a signal or follows someone, cleared when they reset: the sender
-- loads what a reader taught only for those who taught something, so everyone else costs nothing.
ALTER TABLE subscribers ADD COLUMN learned_at timestamptz;
