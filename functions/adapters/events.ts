import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../domain/errors.ts';
import {
  type DomainEvent,
  DomainEventSchema,
  type EventFeed,
  type EventPage,
  type EventPublisher,
  type EventsQuery,
} from '../domain/events.ts';
import { decodeCursor, encodeCursor } from './dynamodb.ts';

/**
 * Domain events locally: an append-only log, in memory (`npm start -- --in-memory`, and the tests'
 * default) or as `LOCAL_DATA_DIR/events.ndjson` (one JSON event a line). Both publish each event id
 * once (a redelivered stream record is recognised by its id) and read the feed in `recordedAt`
 * order, as the Events table's feed index does on AWS: two consumers (the relay and the licences
 * stream) stamp `recordedAt` before they append, so the log's own order can differ from it by a few
 * milliseconds. `since` filters by `recordedAt`; the cursor is the place of the last event read.
 */
abstract class EventLog implements EventPublisher, EventFeed {
  private known: Set<string> | undefined;

  protected abstract read(): Promise<DomainEvent[]>;
  protected abstract append(event: DomainEvent): Promise<void>;

  async publish(event: DomainEvent): Promise<void> {
    this.known ??= new Set((await this.read()).map((stored) => stored.id));
    if (this.known.has(event.id)) return;
    await this.append(event);
    this.known.add(event.id);
  }

  async list(query: EventsQuery): Promise<EventPage> {
    // In recordedAt order, ties in the order of recording (so one aggregate's events keep their seq
    // order); each event's place is (recordedAt, its line in the log).
    const placed = (await this.read())
      .map((event, line) => ({ event, at: event.recordedAt, line }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.line - b.line));
    const after = placeOf(query.cursor);
    const since = query.cursor === undefined && query.since ? Date.parse(query.since) : null;
    const items: DomainEvent[] = [];
    let last: { at: string; line: number } | undefined;
    let more = false;
    for (const place of placed) {
      if (after && (place.at < after.at || (place.at === after.at && place.line <= after.line))) continue;
      if (since !== null && Date.parse(place.at) < since) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(place.event);
      last = { at: place.at, line: place.line };
    }
    return { items, cursor: more && last ? encodeCursor(last) : null };
  }
}

/**
 * Where the previous page ended: the place of its last event. An event recorded later with an
 * earlier `recordedAt` sorts before it and is not delivered by this cursor, as on AWS (follow with
 * `since`, see docs/events.md); none is delivered twice.
 */
function placeOf(cursor: string | undefined): { at: string; line: number } | undefined {
  const place = decodeCursor(cursor);
  if (place === undefined) return undefined;
  const { at, line } = place;
  if (typeof at === 'string' && typeof line === 'number' && Number.isInteger(line) && line >= 0)
    return { at, line };
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
}

export class MemoryEventLog extends EventLog {
  private readonly events: DomainEvent[] = [];

  protected async read(): Promise<DomainEvent[]> {
    return [...this.events];
  }

  protected async append(event: DomainEvent): Promise<void> {
    this.events.push(event);
  }
}

export class FileEventLog extends EventLog {
  readonly file: string;

  constructor(dataDir: string) {
    super();
    this.file = join(dataDir, 'events.ndjson');
  }

  protected async read(): Promise<DomainEvent[]> {
    return readEventFile(this.file);
  }

  /** One write of one line (O_APPEND): concurrent consumers in the process never interleave lines. */
  protected async append(event: DomainEvent): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(event)}\n`);
  }
}

/** The events of an events.ndjson file ([] when there is none yet); a torn last line is left out. */
export async function readEventFile(file: string): Promise<DomainEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => DomainEventSchema.parse(JSON.parse(line)));
}

/** One log per process, shared by the consumers that publish and the API that reads. */
let memoryLog: MemoryEventLog | undefined;

/** The local log the environment names: `LOCAL_EVENTS=file` (the local stack on disk) or memory. */
export function localEventLog(env: NodeJS.ProcessEnv = process.env): EventLog {
  if (env.LOCAL_EVENTS === 'file') return new FileEventLog(env.LOCAL_DATA_DIR || '.local');
  memoryLog ??= new MemoryEventLog();
  return memoryLog;
}
