/**
 * Global setup of the `integration` project: the web console built into `web/dist` (when missing or
 * older than its sources), so the browser tests and the local stack serve the current console.
 */
import { ensureConsoleBuilt } from '#local/console.ts';

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
