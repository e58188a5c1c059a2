import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';

/** An execution as it is kept across restarts: what Describe, List and GetExecutionHistory answer. */
export interface ExecutionRecord {
  seq: number;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  history: Array<{ type: string; timestamp: string; details?: Record<string, unknown> }>;
}

const WRITE_DELAY_MS = 50;

/**
 * Execution records as files, one per execution: `<dir>/<state machine>/<execution name>.json`
 * (execution names cannot hold a path separator), each written aside and renamed into place so a
 * crash never leaves half a record. Changes are coalesced: a changed execution is written at most
 * every WRITE_DELAY_MS, and `flush` writes what is still pending (on shutdown).
 */
export class ExecutionFiles {
  private readonly pending = new Map<string, () => ExecutionRecord>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** The state machine's records in creation order; an unreadable file is logged and skipped. */
  async load(stateMachineName: string): Promise<ExecutionRecord[]> {
    const machineDir = join(this.dir, stateMachineName);
    let files: string[];
    try {
      files = (await readdir(machineDir)).filter((file) => file.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: ExecutionRecord[] = [];
    for (const file of files) {
      try {
        records.push(JSON.parse(await readFile(join(machineDir, file), 'utf8')) as ExecutionRecord);
      } catch (error) {
        this.logger.warn('ignoring an unreadable execution record', { file, error });
      }
    }
    return records.sort((a, b) => a.seq - b.seq);
  }

  /** Schedules the record `snapshot` returns (then) to be written. */
  changed(stateMachineName: string, executionName: string, snapshot: () => ExecutionRecord): void {
    this.pending.set(join(this.dir, stateMachineName, `${executionName}.json`), snapshot);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.write().catch((error: unknown) =>
        this.logger.error('writing execution records failed', { error }),
      );
    }, WRITE_DELAY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.write();
  }

  /** One write pass at a time, so two passes never race on the same file. */
  private write(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        for (const [file, snapshot] of batch) await writeAtomically(file, JSON.stringify(snapshot()));
      });
    return this.writing;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}
