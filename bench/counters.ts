import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * Counts every AWS SDK call the system's code makes in this process, by service, operation and
 * table, with DynamoDB's own ConsumedCapacity (the middleware asks for it on every data-plane
 * call, per index, so transactions and index writes count as DynamoDB bills them).
 */
export interface CallCount {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Write units spent on global secondary indexes (part of writeUnits). */
  indexWriteUnits: number;
}

export type CounterSnapshot = Record<string, CallCount>;

export interface ConsumedCapacityLike {
  TableName?: string;
  CapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const SERVICES: Record<string, string> = { DynamoDBClient: 'dynamodb', S3Client: 's3', SFNClient: 'sfn' };

/** `service:operation[:table]`, the key of a counter. */
export const counterKey = (service: string, operation: string, table?: string): string =>
  table ? `${service}:${operation}:${table}` : `${service}:${operation}`;

export class Counters {
  private readonly counts = new Map<string, CallCount>();
  /** The same counts, apart for each function whose invocation made the call. */
  private readonly byFunction = new Map<string, Counters>();
  /** Milliseconds spent in calls, by `<function>|<service>` (SDK send to its answer, sign and parse included). */
  private readonly callMs = new Map<string, number>();

  /** Adds one call's duration under the function whose invocation made it. */
  time(functionName: string, service: string, ms: number): void {
    const key = `${functionName}|${service}`;
    this.callMs.set(key, (this.callMs.get(key) ?? 0) + ms);
  }

  /** The milliseconds `functionName`'s invocations have spent in calls to `service` so far. */
  millisecondsIn(functionName: string, service: string): number {
    return this.callMs.get(`${functionName}|${service}`) ?? 0;
  }

  /**
   * One call; its consumed capacity (one entry per table) counts as reads or writes by operation,
   * and apart under `functionName` when the call was made inside that function's invocation.
   */
  record(
    service: string,
    operation: string,
    consumed: readonly ConsumedCapacityLike[] = [],
    functionName?: string,
    transactionItems: Readonly<Record<string, number>> = {},
  ): void {
    if (functionName !== undefined) {
      const own = this.byFunction.get(functionName) ?? new Counters();
      own.record(service, operation, consumed, undefined, transactionItems);
      this.byFunction.set(functionName, own);
    }
    const isWrite = DYNAMODB_WRITES.has(operation);
    const tables = consumed.length > 0 ? consumed : [{}];
    tables.forEach((capacity, index) => {
      const key = counterKey(service, operation, capacity.TableName);
      const count = this.counts.get(key) ?? { calls: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
      // A transaction over two tables is one call.
      if (index === 0) count.calls += 1;
      // AWS bills each item of a transaction 2 units per KB, rounded up per item; DynamoDB Local
      // reports less for several items on one table (two small Puts: 2), so 2 per item is the floor.
      const items = capacity.TableName ? (transactionItems[capacity.TableName] ?? 0) : 0;
      const units = Math.max(capacity.CapacityUnits ?? 0, 2 * items);
      const indexUnits = Object.values(capacity.GlobalSecondaryIndexes ?? {}).reduce(
        (sum, entry) => sum + (entry.CapacityUnits ?? 0),
        0,
      );
      if (isWrite) {
        count.writeUnits += units;
        count.indexWriteUnits += indexUnits;
      } else {
        count.readUnits += units;
      }
      this.counts.set(key, count);
    });
  }

  /** Every call of this process, or only those made inside invocations of `functionName`. */
  snapshot(functionName?: string): CounterSnapshot {
    if (functionName !== undefined) return this.byFunction.get(functionName)?.snapshot() ?? {};
    return Object.fromEntries([...this.counts].map(([key, count]) => [key, { ...count }]));
  }
}

/** What happened between two snapshots. */
export function difference(after: CounterSnapshot, before: CounterSnapshot): CounterSnapshot {
  const result: CounterSnapshot = {};
  for (const [key, count] of Object.entries(after)) {
    const earlier = before[key] ?? { calls: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
    const delta = {
      calls: count.calls - earlier.calls,
      readUnits: count.readUnits - earlier.readUnits,
      writeUnits: count.writeUnits - earlier.writeUnits,
      indexWriteUnits: count.indexWriteUnits - earlier.indexWriteUnits,
    };
    if (delta.calls !== 0 || delta.readUnits !== 0 || delta.writeUnits !== 0) result[key] = delta;
  }
  return result;
}

export interface Totals {
  calls: number;
  readUnits: number;
  writeUnits: number;
  indexWriteUnits: number;
}

/** Sums the counters whose key starts with `prefix` (e.g. `dynamodb:`, `dynamodb:Scan`, `s3:PutObject`). */
export function total(snapshot: CounterSnapshot, prefix = ''): Totals {
  const sum: Totals = { calls: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
  for (const [key, count] of Object.entries(snapshot)) {
    if (!key.startsWith(prefix)) continue;
    sum.calls += count.calls;
    sum.readUnits += count.readUnits;
    sum.writeUnits += count.writeUnits;
    sum.indexWriteUnits += count.indexWriteUnits;
  }
  return sum;
}

/** Every counter divided by `n` (per application). */
export function perEach(snapshot: CounterSnapshot, n: number): CounterSnapshot {
  return Object.fromEntries(
    Object.entries(snapshot).map(([key, count]) => [
      key,
      {
        calls: count.calls / n,
        readUnits: count.readUnits / n,
        writeUnits: count.writeUnits / n,
        indexWriteUnits: count.indexWriteUnits / n,
      },
    ]),
  );
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: string; name: string }): void;
}
interface ClientLike {
  middlewareStack: MiddlewareStackLike;
}
type Send = (this: ClientLike, ...args: unknown[]) => unknown;
interface HandlerArgs {
  input: Record<string, unknown>;
}
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}
type Next = (args: HandlerArgs) => Promise<{ output: Record<string, unknown> }>;

interface Installation {
  counters: Counters;
  ignored: WeakSet<object>;
  /** The function whose invocation is making the current call, if any. */
  currentFunction: () => string | undefined;
}
let active: Installation | null = null;
const instrumented = new WeakSet<object>();
let patched = false;

/**
 * Adds the counting middleware to every SDK client of this process the first time it sends (the
 * handlers' clients are module-level; the clients in `ignored`, e.g. the benchmark's own, are skipped),
 * each call also under the function `currentFunction` names when it is made.
 * Works by wrapping the shared smithy `Client.prototype.send` that all AWS SDK v3 clients inherit,
 * once per process; a later call replaces the counters and the ignored clients.
 */
export function installSdkCounter(
  counters: Counters,
  ignored: WeakSet<object>,
  currentFunction: () => string | undefined = () => undefined,
): void {
  active = { counters, ignored, currentFunction };
  if (patched) return;
  patched = true;
  const bases = new Set(
    [DynamoDBClient, S3Client, SFNClient].map((client) => Object.getPrototypeOf(client.prototype)),
  );
  for (const base of bases as Set<{ send: Send }>) {
    const original = base.send;
    base.send = function send(this: ClientLike, ...args: unknown[]) {
      // DynamoDBDocumentClient shares its inner client's stack: instrument each stack once.
      if (!instrumented.has(this.middlewareStack)) {
        instrumented.add(this.middlewareStack);
        this.middlewareStack.add(countingMiddleware(this), { step: 'initialize', name: 'benchCounter' });
      }
      return original.apply(this, args);
    };
  }
}

function countingMiddleware(client: object) {
  return (next: Next, context: HandlerContext) => async (args: HandlerArgs) => {
    const service = SERVICES[context.clientName ?? ''];
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    const installation = active;
    if (!service || !installation || installation.ignored.has(client)) return next(args);
    // Read before the call: the invocation's context is the caller's.
    const functionName = installation.currentFunction();
    const dataPlane =
      service === 'dynamodb' && (DYNAMODB_READS.has(operation) || DYNAMODB_WRITES.has(operation));
    if (dataPlane) args.input.ReturnConsumedCapacity = 'INDEXES';
    const transactionItems = operation === 'TransactWriteItems' ? itemsPerTable(args.input) : {};
    const started = performance.now();
    const result = await next(args);
    if (functionName !== undefined)
      installation.counters.time(functionName, service, performance.now() - started);
    if (service !== 'dynamodb' || dataPlane) {
      const consumed = result.output.ConsumedCapacity;
      installation.counters.record(
        service,
        operation,
        (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as ConsumedCapacityLike[],
        functionName,
        transactionItems,
      );
    }
    return result;
  };
}

/** The number of items a TransactWriteItems request writes (or checks) on each table. */
export function itemsPerTable(input: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Record<string, unknown>[]) : [];
  for (const item of items) {
    for (const action of Object.values(item)) {
      const table = (action as { TableName?: unknown } | undefined)?.TableName;
      if (typeof table === 'string') counts[table] = (counts[table] ?? 0) + 1;
    }
  }
  return counts;
}
