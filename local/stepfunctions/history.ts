/** One entry of an execution's history, kept in order; ids are positions from 1. */
export interface HistoryEntry {
  type: string;
  timestamp: Date;
  details?: Record<string, unknown>;
}

const EXECUTION_DATA_FIELDS = new Set(['input', 'inputDetails', 'output', 'outputDetails', 'parameters']);

/** The AWS JSON shape of a history event (`GetExecutionHistory`), dates in epoch seconds. */
export function toHistoryEvent(
  entry: HistoryEntry,
  id: number,
  includeExecutionData: boolean,
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    timestamp: toEpochSeconds(entry.timestamp),
    type: entry.type,
    id,
    previousEventId: id - 1,
  };
  if (entry.details !== undefined) {
    event[detailsKey(entry.type)] = includeExecutionData
      ? entry.details
      : withoutExecutionData(entry.details);
  }
  return event;
}

export function toEpochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** `TaskStateEntered` → `stateEnteredEventDetails`, `TaskScheduled` → `taskScheduledEventDetails`. */
function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

function withoutExecutionData(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !EXECUTION_DATA_FIELDS.has(key)));
}
