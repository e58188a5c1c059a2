import { useState } from 'preact/hooks';
import { ApiError, enc, get, post } from '../api.ts';
import type { Application, Page, QueueItem } from '../types.ts';
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

const QUEUE_COLUMNS: ReadonlyArray<Column<QueueItem>> = [
  [
    'Case',
    (item) => (
      <>
        <a href={`#/applications/${enc(item.applicationId)}`} class="mono">
          {item.applicationId}
        </a>
        <div class="secondary-text">
          {item.exporterCountry ?? '?'} → {item.endUserCountry ?? '?'}
        </div>
      </>
    ),
  ],
  ['Status', (item) => <Tag status={item.status} />],
  [
    'Lane and reason',
    (item) =>
      item.lane ? (
        <>
          {label(item.lane.name)}
          <div class="secondary-text">{item.lane.reason}</div>
        </>
      ) : (
        '—'
      ),
  ],
  [
    'Due',
    (item) => (
      <>
        {formatDate(item.dueAt)}
        <div class="secondary-text">
          {item.workingDaysLeft} working days left{item.paused ? ' (paused)' : ''}
          {item.nearDue ? ' · near due' : ''}
        </div>
      </>
    ),
  ],
  ['Assigned to', (item) => item.assignedTo ?? 'nobody'],
  ['Flags', (item) => item.flags.map((flag) => label(flag.code)).join(', ') || 'none'],
];

/** The reviewers' queue in queue order (`GET /queue`), with "claim next" (`POST /queue/claim-next`). */
export function QueuePage() {
  const [lane, setLane] = useState('');
  const queue = useLoad(
    () => get<Page<QueueItem>>(`/queue?limit=50${lane ? `&lane=${enc(lane)}` : ''}`),
    [lane],
  );
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const claimNext = async () => {
    setErrors(null);
    try {
      const claimed = await post<Application>('/queue/claim-next', {});
      location.hash = `#/applications/${enc(claimed.applicationId)}`;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404)
        setNotice('There is no unassigned case waiting for review.');
      else setErrors(toFormErrors(error));
    }
  };
  return (
    <>
      <h1 class="heading-l">Review queue</h1>
      <ErrorSummary errors={errors} />
      {notice && (
        <div class="notification" role="status">
          {notice}
        </div>
      )}
      <div class="toolbar">
        <Button onClick={claimNext}>Claim next case</Button>
        <div class="form-group form-group--inline">
          <label class="label" for="f-lane">
            Lane
          </label>
          <select
            id="f-lane"
            class="select"
            value={lane}
            onChange={(event) => setLane(event.currentTarget.value)}
          >
            <option value="">All lanes</option>
            {['EXPEDITED', 'STANDARD', 'ENHANCED'].map((name) => (
              <option key={name} value={name}>
                {label(name)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <LoadedTable
        loaded={{ ...queue, data: queue.data?.items }}
        empty="The queue is empty."
        caption="Cases in queue order"
        columns={QUEUE_COLUMNS}
        rowKey={(row) => row.applicationId}
        testId="queue"
      />
    </>
  );
}
