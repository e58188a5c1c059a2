import { useEffect, useState } from 'preact/hooks';
import { enc, get, post } from '../api.ts';
import { hasGroup, type Session } from '../session.ts';
import type { Application, Page } from '../types.ts';
import {
  type Column,
  ErrorSummary,
  type FormErrors,
  formatDate,
  LoadedTable,
  Loading,
  Tag,
  toFormErrors,
  useLoad,
} from '../ui.tsx';
import { ClockSummary } from './clock.tsx';

/** The application's exporter as a link to its page, with its id below. */
export function ApplicationLink({ application }: { application: Application }) {
  return (
    <>
      <a href={`#/applications/${enc(application.applicationId)}`}>
        {application.exporter?.name ?? 'Untitled'}
      </a>
      <div class="secondary-text mono">{application.applicationId}</div>
    </>
  );
}

const APPLICATION_COLUMNS: ReadonlyArray<Column<Application>> = [
  ['Application', (application) => <ApplicationLink application={application} />],
  ['Status', (application) => <Tag status={application.status} />],
  ['Lane', (application) => application.lane?.name ?? '—'],
  ['Legal clock', (application) => <ClockSummary clock={application.clock} />],
  ['Updated', (application) => formatDate(application.updatedAt)],
];

/** Applications visible to the caller, newest first (applicants: their org's; reviewers: submitted ones). */
export function ApplicationsPage({ session }: { session: Session | null }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors.at(-1) ?? null;
  const list = useLoad(
    () => get<Page<Application>>(`/applications?limit=25${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    [cursor],
  );
  const applicant = hasGroup(session, 'applicant');
  return (
    <>
      <h1 class="heading-l">{applicant ? 'Your applications' : 'Applications'}</h1>
      {applicant && (
        <p>
          <a class="button" href="#/applications/new">
            Start a new application
          </a>
        </p>
      )}
      <LoadedTable
        loaded={{ ...list, data: list.data?.items }}
        empty="There are no applications yet."
        caption="Applications, newest first"
        columns={APPLICATION_COLUMNS}
        rowKey={(row) => row.applicationId}
      />
      <div class="pagination">
        {cursors.length > 1 && (
          <button type="button" class="link-button" onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
        )}
        {list.data?.cursor && (
          <button
            type="button"
            class="link-button"
            onClick={() => setCursors([...cursors, list.data?.cursor ?? null])}
          >
            Next page
          </button>
        )}
      </div>
    </>
  );
}

/** Creates an empty draft and goes to its task list. */
export function NewApplicationPage() {
  const [errors, setErrors] = useState<FormErrors | null>(null);
  useEffect(() => {
    post<Application>('/applications', {}).then(
      (application) => location.replace(`#/applications/${enc(application.applicationId)}`),
      (error: unknown) => setErrors(toFormErrors(error)),
    );
  }, []);
  return (
    <>
      <h1 class="heading-l">Starting a new application</h1>
      {errors ? <ErrorSummary errors={errors} /> : <Loading what="Creating the draft" />}
    </>
  );
}
