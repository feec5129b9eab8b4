/** Every SQL statement of the worker room. */
export const workerQueries = {
  /** The first worker to record a fire runs it; the row is the proof. */
  claimFire: `INSERT INTO job_fires (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key`,
  forgetOldFires: `DELETE FROM job_fires WHERE fired_at < now() - interval '7 days'`,
} as const;
