import type { RunnerTask, RunnerTestSuite } from 'vitest';
import type { ScratchDatabase } from './scratch-database.ts';

function failed(task: RunnerTask): boolean {
  if (task.result?.state === 'fail') return true;
  return 'tasks' in task && task.tasks.some(failed);
}

/**
 * A test file's `afterAll`: drops its database when every test passed; after a failure keeps it
 * (on a server; an embedded one lives in memory) and says where, so its rows can be looked at.
 */
export async function dropUnlessFailed(
  database: ScratchDatabase | undefined,
  suite: Readonly<RunnerTestSuite | RunnerTask>,
): Promise<void> {
  if (!database) return;
  if (database.keepable && failed(suite as RunnerTask)) {
    process.stderr.write(
      `\nkept the database of failed ${suite.file?.name ?? suite.name}: ${database.url}\n`,
    );
    return;
  }
  await database.drop();
}
