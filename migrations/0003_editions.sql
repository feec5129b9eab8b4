-- Editions: the frozen, ordered list of papers of one digest date and frequency.

CREATE TABLE editions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  frequency text NOT NULL CHECK (frequency IN ('daily', 'weekly')),
  -- daily: the day the papers were featured; weekly: the Monday of the ISO week covered
  day date NOT NULL,
  -- 'empty' editions send nothing; empty_reason tells the operator why
  status text NOT NULL CHECK (status IN ('ready', 'empty')),
  empty_reason text,
  built_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (frequency, day),
  CHECK ((status = 'empty') = (empty_reason IS NOT NULL))
);

CREATE TABLE edition_papers (
  edition_id bigint NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
  position integer NOT NULL,
  arxiv_id text NOT NULL REFERENCES papers (arxiv_id),
  score double precision NOT NULL,
  PRIMARY KEY (edition_id, position),
  UNIQUE (edition_id, arxiv_id)
);

CREATE INDEX edition_papers_arxiv_id ON edition_papers (arxiv_id);

ALTER TABLE deliveries
  ADD CONSTRAINT deliveries_edition_id_fkey FOREIGN KEY (edition_id) REFERENCES editions (id);
