-- A subscriber may pause their digest for a few weeks without leaving: no digest is fanned out
-- to them, or sent, until this moment has passed.
ALTER TABLE subscribers ADD COLUMN paused_until timestamptz;
