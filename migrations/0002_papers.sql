-- Papers from the Hugging Face daily papers API, and the days each was featured.

CREATE TABLE papers (
  arxiv_id text PRIMARY KEY,
  title text NOT NULL,
  -- paragraphs separated by a blank line; the API's hard line breaks joined back
  abstract text NOT NULL,
  -- [{ "name": "…", "hidden": false }, …] in the paper's order
  authors jsonb NOT NULL DEFAULT '[]',
  upvotes integer NOT NULL DEFAULT 0,
  num_comments integer NOT NULL DEFAULT 0,
  github_repo text,
  github_stars integer,
  project_page text,
  ai_summary text,
  ai_keywords text[] NOT NULL DEFAULT '{}',
  thumbnail text,
  published_at timestamptz,
  submitted_on_daily_at timestamptz,
  hf_url text NOT NULL,
  arxiv_url text NOT NULL,
  pdf_url text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What was featured on which day: rank in the API's list and the counts at ingest time.
CREATE TABLE paper_days (
  day date NOT NULL,
  arxiv_id text NOT NULL REFERENCES papers (arxiv_id) ON DELETE CASCADE,
  rank integer NOT NULL,
  upvotes integer NOT NULL,
  num_comments integer NOT NULL,
  github_stars integer,
  -- the trending score of src/papers/score.ts at ingest time
  score double precision NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, arxiv_id)
);

CREATE INDEX paper_days_arxiv_id ON paper_days (arxiv_id);

-- One row per scheduled job fire (node-cron's run coordinator, src/worker): with several
-- workers, the one that inserts the row runs the job, the others skip that fire.
CREATE TABLE job_fires (
  key text PRIMARY KEY,
  fired_at timestamptz NOT NULL DEFAULT now()
);
