import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#local/ports.ts';
import { scaledClockRefusal } from '#local/stack.ts';

const mapValues = (ports: Record<string, number>) =>
  Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)]));

/** A scaled clock (LOCAL_TIME_SCALE ≠ 1) never writes into the persistent default data directory. */
describe('scaled clock on the local stack', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'licence-time-scale-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('makes npm start refuse it on the default data directory, in one sentence, before starting anything', async () => {
    // Run from an empty directory, so the default `.local` would appear there if anything started.
    const ports = { PORT: await freePort(), DYNAMODB_PORT: await freePort(), SFN_PORT: await freePort() };
    const env = { ...process.env, ...mapValues(ports), LOCAL_TIME_SCALE: '86400', LOCAL_DATA_DIR: '' };
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), resolve('local/start.ts')],
        {
          cwd: workDir,
          env,
          timeout: 30_000,
        },
        (error, _stdout, stderr) => done({ code: error ? (error.code as number) : 0, stderr }),
      );
    });

    expect(result.stderr).toBe(
      `LOCAL_TIME_SCALE=86400 would write future-dated data into the persistent ${join(workDir, '.local')}; run \`npm start -- --in-memory\`, or set LOCAL_DATA_DIR to a directory kept for scaled runs.\n`,
    );
    expect(result.code).toBe(2);
    expect(await readdir(workDir)).toEqual([]);
  }, 30_000);

  it('allows it in memory, or on a data directory other than the default', () => {
    expect(scaledClockRefusal(true, { LOCAL_TIME_SCALE: '86400' })).toBeUndefined();
    expect(
      scaledClockRefusal(false, { LOCAL_TIME_SCALE: '86400', LOCAL_DATA_DIR: '/tmp/scaled' }),
    ).toBeUndefined();
    expect(scaledClockRefusal(false, { LOCAL_TIME_SCALE: '86400', LOCAL_DATA_DIR: '.local' })).toMatch(
      /^LOCAL_TIME_SCALE=86400 would write future-dated data/,
    );
  });

  it('leaves the real-time clock alone everywhere', () => {
    expect(scaledClockRefusal(false, {})).toBeUndefined();
    expect(scaledClockRefusal(false, { LOCAL_TIME_SCALE: '1' })).toBeUndefined();
    expect(scaledClockRefusal(false, { LOCAL_TIME_SCALE: '' })).toBeUndefined();
  });
});
