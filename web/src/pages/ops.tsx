import { useState } from 'preact/hooks';
import { ApiError, enc, get, post } from '../api.ts';
import type { Application, ExecutionInfo, Page } from '../types.ts';
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
    </>
  );
}
