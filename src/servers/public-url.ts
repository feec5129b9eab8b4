import type { Queryable } from '../db/transaction.ts';
import { latestServer, saveServerStart } from './store.ts';

/** An HTTP server (`serve`, `api`) says where its links point, for the commands beside it. */
export async function recordServerStart(db: Queryable, publicUrl: string): Promise<void> {
  await saveServerStart(db, { publicUrl });
}

/**
 * Why a command's links would differ from the site's: its PUBLIC_URL is not the one the HTTP
 * server started last on the same database used (a shell without the server's PORT or
 * PUBLIC_URL builds every link on localhost:3000). Undefined when they agree or no server ran.
 */
export async function publicUrlMismatch(db: Queryable, publicUrl: string): Promise<string | undefined> {
  const server = await latestServer(db);
  if (!server || server.publicUrl === publicUrl) return undefined;
  return (
    `PUBLIC_URL is ${publicUrl} here, but the server started on this database at ` +
    `${server.startedAt.toISOString()} serves ${server.publicUrl}: links this command puts in mail ` +
    `point to ${publicUrl}. Set PUBLIC_URL (or PORT) as the server has it.`
  );
}
