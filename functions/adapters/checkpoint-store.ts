import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AnchoredKind } from '../domain/checkpoints.ts';
import type { CheckpointStore, StoredCheckpoint } from '../domain/ports.ts';

const fileName = (number: number): string => `${String(number).padStart(12, '0')}.json`;

/**
 * Checkpoints as one JSON file each under `<LOCAL_DATA_DIR>/checkpoints/`, written with `wx` so a
 * number is never overwritten (the local stand-in for S3 Object Lock).
 */
export class LocalCheckpointStore implements CheckpointStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = resolve(dataDir, 'checkpoints');
  }

  private async numbers(): Promise<number[]> {
    try {
      const names = await readdir(this.dir);
      return names
        .filter((name) => /^\d{12}\.json$/.test(name))
        .map((name) => Number(name.slice(0, 12)))
        .sort((a, b) => b - a);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async read(number: number): Promise<StoredCheckpoint> {
    return JSON.parse(await readFile(join(this.dir, fileName(number)), 'utf8')) as StoredCheckpoint;
  }

  async latest(): Promise<StoredCheckpoint | null> {
    const [newest] = await this.numbers();
    return newest === undefined ? null : this.read(newest);
  }

  async put(checkpoint: StoredCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, fileName(checkpoint.number)), JSON.stringify(checkpoint), { flag: 'wx' });
  }

  async latestCovering(kind: AnchoredKind, id: string): Promise<StoredCheckpoint | null> {
    for (const number of await this.numbers()) {
      const checkpoint = await this.read(number);
      if (checkpoint.heads.some((head) => head.kind === kind && head.id === id)) return checkpoint;
    }
    return null;
  }
}

/** Locally the folder under LOCAL_DATA_DIR; on AWS none yet (the Object Lock bucket is not wired). */
export function checkpointStoreFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointStore | undefined {
  return env.BLOB_STORE === 's3' ? undefined : new LocalCheckpointStore(env.LOCAL_DATA_DIR || '.local');
}
