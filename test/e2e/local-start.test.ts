import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPortFree, freePort } from '#local/ports.ts';

/**
 * `npm start` as a user runs it: a real process tree (npm, node, java) on free ports and a temporary
 * data directory, then a second start against it, then a signal to the npm process alone.
 */
interface Ports {
  PORT: string;
  DYNAMODB_PORT: string;
  SFN_PORT: string;
}

let workDir: string;
let dataDir: string;
let ports: Ports;
let npm: ChildProcess;

const env = (overrides: Record<string, string>) => ({ ...process.env, ...ports, ...overrides });

/** `node local/start.ts` with this file's ports: its exit code and what it wrote to stderr. */
function startAgain(overrides: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'local/start.ts'],
      { env: env(overrides), timeout: 80_000 },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
    );
  });
}

async function pidFile(): Promise<{ pid: number; owner: { pid: number } }> {
  return JSON.parse(await readFile(join(dataDir, 'dynamodb-local.pid'), 'utf8'));
}

/** A zombie counts as gone: the container's init may never reap an orphan. */
function alive(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

async function health(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${ports.PORT}/health`)).status;
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await delay(100);
  return !alive(pid);
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'licence-start-'));
  dataDir = join(workDir, 'data');
  ports = {
    PORT: String(await freePort()),
    DYNAMODB_PORT: String(await freePort()),
    SFN_PORT: String(await freePort()),
  };
  // Its own process group, so cleanup can reach every part whatever the tests did.
  npm = spawn('npm', ['start', '--silent'], {
    env: env({ LOCAL_DATA_DIR: dataDir }),
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  // DynamoDB Local alone takes over a minute to answer on a loaded machine.
  const deadline = Date.now() + 150_000;
  while (!output.includes('ready http://') && Date.now() < deadline) {
    if (npm.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    await delay(100);
  }
  expect(output).toContain(`ready http://127.0.0.1:${ports.PORT}`);
}, 160_000);

afterAll(async () => {
  // Whatever is left of the group (npm, node, java); ESRCH when nothing is.
  try {
    if (npm?.pid !== undefined) process.kill(-npm.pid, 'SIGKILL');
  } catch {}
  await rm(workDir, { recursive: true, force: true });
});

describe('npm start', { timeout: 90_000 }, () => {
  it('refuses a second start on the same data directory in one sentence and leaves the first running', async () => {
    const before = await pidFile();

    const second = await startAgain({ LOCAL_DATA_DIR: dataDir });

    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `Could not start the local stack: another local stack (pid ${before.owner.pid}) is running on the data directory ${dataDir}; stop it first, or start this one with other ports and another LOCAL_DATA_DIR.\n`,
    );
    expect(await pidFile()).toEqual(before);
    expect(alive(before.pid)).toBe(true);
    expect(await health()).toBe(200);
  });

  it('refuses a second start on ports the first one holds, before starting anything', async () => {
    const otherDir = join(workDir, 'other');

    const second = await startAgain({ LOCAL_DATA_DIR: otherDir });

    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `Could not start the local stack: Port ${ports.PORT} is already in use; stop whatever listens there or choose another port.\n`,
    );
    await expect(readFile(join(otherDir, 'dynamodb-local.pid'))).rejects.toThrow(/ENOENT/);
    expect(await health()).toBe(200);
  });

  it('stops every part when only the npm process is signalled', async () => {
    const { pid: java, owner } = await pidFile();
    const exited = once(npm, 'exit');

    process.kill(npm.pid ?? 0, 'SIGTERM');

    await exited;
    expect(await gone(owner.pid, 10_000)).toBe(true);
    expect(await gone(java, 10_000)).toBe(true);
    for (const port of Object.values(ports))
      await expect(assertPortFree(Number(port))).resolves.toBeUndefined();
  });
});
