import { useState } from 'preact/hooks';
import { ApiError, enc, get, post } from '../api.ts';
import type { Application, DomainEvent, ExecutionInfo, Page } from '../types.ts';
import {
  Button,
  type Column,
  ErrorSummary,
  type FormErrors,
  formatDate,
  LoadedTable,
  label,
  Tag,
  toFormErrors,
  useLoad,
} from '../ui.tsx';

interface Row {
  application: Application;
  execution: ExecutionInfo | null;
}

const CONCURRENCY = 6;

async function loadRows(): Promise<Row[]> {
  const page = await get<Page<Application>>('/applications?limit=50');
  const rows: Row[] = [];
  for (let at = 0; at < page.items.length; at += CONCURRENCY) {
    const batch = page.items.slice(at, at + CONCURRENCY);
    rows.push(
      ...(await Promise.all(
        batch.map(async (application) => ({
          application,
          execution: await get<ExecutionInfo>(
            `/applications/${enc(application.applicationId)}/execution`,
          ).catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 404) return null;
            throw error;
          }),
        })),
      )),
    );
  }
  return rows;
}

/** How far back the recent events go, and how many are shown (newest first). */
const EVENTS_WINDOW_MS = 60 * 60 * 1000;
const EVENTS_SHOWN = 25;
const EVENT_PAGES = 10;

/** The feed is in recording order: read the last hour page by page, keep the newest. */
async function recentEvents(): Promise<DomainEvent[]> {
  const since = new Date(Date.now() - EVENTS_WINDOW_MS).toISOString();
  let events: DomainEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < EVENT_PAGES; page += 1) {
    const query: string = cursor ? `cursor=${enc(cursor)}` : `since=${enc(since)}`;
    const answer: Page<DomainEvent> = await get<Page<DomainEvent>>(`/events?limit=100&${query}`);
    events = [...events, ...answer.items].slice(-EVENTS_SHOWN);
    cursor = answer.cursor;
    if (!cursor) break;
  }
  return events.reverse();
}

const EVENT_COLUMNS: ReadonlyArray<Column<DomainEvent>> = [
  ['Recorded', (event) => formatDate(event.recordedAt)],
  ['Event', (event) => label(event.type)],
  [
    'Of',
    (event) =>
      event.aggregate === 'application' ? (
        <a class="mono" href={`#/applications/${enc(event.applicationId)}`}>
          {event.applicationId}
        </a>
      ) : (
        <a class="mono" href={`#/licences/${enc(event.licenceNumber)}`}>
          {event.licenceNumber}
        </a>
      ),
  ],
  ['Status', (event) => `${event.fromStatus ? `${label(event.fromStatus)} → ` : ''}${label(event.toStatus)}`],
  ['Org', (event) => event.orgId],
  ['Id', (event) => <code class="hash">{event.id}</code>],
];

function RecentEvents() {
  const events = useLoad(recentEvents, []);
  return (
    <section class="section" aria-labelledby="events">
      <h2 class="heading-m" id="events">
        Recent domain events
      </h2>
      <p>The last hour's events (GET /events), newest first; at most {EVENTS_SHOWN}.</p>
      <Button variant="secondary" onClick={events.reload}>
        Refresh the events
      </Button>
      <LoadedTable
        loaded={events}
        empty="No event in the last hour."
        caption="Recent domain events, newest first"
        columns={EVENT_COLUMNS}
        rowKey={(event) => event.id}
        testId="events"
      />
    </section>
  );
}

interface ReconcileResult {
  checked: number;
  repaired: unknown[];
}

const OPS_COLUMNS: ReadonlyArray<Column<Row>> = [
  [
    'Application',
    ({ application }) => (
      <a class="mono" href={`#/applications/${enc(application.applicationId)}`}>
        {application.applicationId}
      </a>
    ),
  ],
  ['Org', ({ application }) => application.orgId],
  ['Status', ({ application }) => <Tag status={application.status} />],
  ['Lane', ({ application }) => application.lane?.name ?? '—'],
  ['Updated', ({ application }) => formatDate(application.updatedAt)],
  [
    'Execution',
    ({ execution }) =>
      execution ? `${label(execution.status)} (generation ${execution.generation})` : 'none',
  ],
  ['Current state', ({ execution }) => execution?.currentState ?? '—'],
];

/** Operators and auditors: applications × their workflow executions, and reconcile now. */
export function OpsPage() {
  const rows = useLoad(loadRows, []);
  const [result, setResult] = useState<ReconcileResult | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const reconcile = async () => {
    setErrors(null);
    try {
      setResult(await post<ReconcileResult>('/ops/reconcile', {}));
      rows.reload();
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  return (
    <>
      <h1 class="heading-l">Applications and their workflow executions</h1>
      <ErrorSummary errors={errors} />
      <div class="toolbar">
        <Button variant="secondary" onClick={rows.reload}>
          Refresh
        </Button>
        <Button variant="secondary" onClick={reconcile}>
          Reconcile now
        </Button>
        {result && (
          <p role="status" data-testid="reconcile-result">
            Checked {result.checked}; repaired {result.repaired.length}.
          </p>
        )}
      </div>
      <LoadedTable
        loaded={rows}
        empty="There are no applications yet."
        caption="Applications, newest first, with their current execution"
        columns={OPS_COLUMNS}
        rowKey={(row) => row.application.applicationId}
        testId="ops-table"
      />
      <RecentEvents />
    </>
  );
}
