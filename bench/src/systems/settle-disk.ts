import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checkpointDatabaseServer } from './bench-databases';

const run = promisify(execFile);

/**
 * Writes out what the measurements so far left for the disk to do, before the next one starts:
 * PostgreSQL's dirty buffers (a CHECKPOINT of the server the nodes' databases live on) and the
 * kernel's dirty pages (`sync`). Without it, the system measured second pays for the first one's
 * leftovers: a checkpoint of the FalconMind nodes' writes reaching the disk while etcd's members
 * wait on their fsyncs, or etcd's while the nodes wait on theirs. Returns what could not be done,
 * for the run's warnings; the measurement goes on either way.
 */
export async function settleDisk(): Promise<string[]> {
  const problems: string[] = [];
  await checkpointDatabaseServer().catch((error: unknown) => {
    problems.push(`could not CHECKPOINT the database server: ${String(error)}`);
  });
  await run('sync').catch((error: unknown) => {
    problems.push(`could not sync the file systems: ${String(error)}`);
  });
  return problems;
}
