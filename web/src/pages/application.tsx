import { lazy, Suspense } from 'preact/compat';
import { useState } from 'preact/hooks';
import { DENIAL_REASONS, END_USER_TYPES } from '#domain/codes.ts';
import { enc, get, post } from '../api.ts';
import { hasGroup, type Session } from '../session.ts';
import type { Action, Application, AuditEvent, ChainVerification, InformationRequest } from '../types.ts';
import {
  Button,
  Checkboxes,
  type Column,
  ErrorSummary,
  type FormErrors,
  formatDate,
  LoadError,
  Loading,
  label,
  pathLabel,
  Radios,
  SelectField,
  SummaryList,
  Table,
  Tag,
  TextArea,
  TextField,
  toFormErrors,
  useLoad,
} from '../ui.tsx';
import { ClockDetails } from './clock.tsx';
import { DetailsSummary, DocumentTable, missingIn, SECTIONS, sectionOf, useApplication } from './draft.tsx';
import { licenceHref } from './licence.tsx';

/** The state diagram pulls in the graph layout library: loaded only where it is drawn. */
const Workflow = lazy(() => import('./workflow.tsx'));

const appPath = (id: string) => `/applications/${enc(id)}`;

export function ApplicationPage({ id, session }: { id: string; session: Session | null }) {
  const loaded = useApplication(id);
  if (loaded.error !== undefined) return <LoadError error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const application = loaded.data;
  const watcher = hasGroup(session, 'operator', 'auditor');
  return (
    <>
      <span class="caption">
        Application <span class="mono">{application.applicationId}</span>
      </span>
      <h1 class="heading-l">
        {application.exporter?.name ?? 'Untitled application'}{' '}
        <span data-testid="status">
          <Tag status={application.status} />
        </span>
      </h1>
      <Banners application={application} />
      {(application.allowedActions.includes('update') ||
        application.allowedActions.includes('add-document')) && <TaskList application={application} />}
      <SummaryList
        rows={[
          ['Organisation', application.orgId],
          ['Lane', application.lane ? `${label(application.lane.name)}: ${application.lane.reason}` : '—'],
          ['Assigned to', application.assignedTo ?? 'nobody'],
          ['Flags', application.flags.map((flag) => label(flag.code)).join(', ') || 'none'],
          ['Version', String(application.version)],
          ['Updated', formatDate(application.updatedAt)],
        ]}
      />
      <Actions application={application} onDone={loaded.reload} />
      <InformationRequests application={application} onDone={loaded.reload} />
      <Decision application={application} />
      <Appeal application={application} />
      <ClockDetails clock={application.clock} />
      <section class="section" aria-labelledby="details">
        <h2 class="heading-m" id="details">
          Details
        </h2>
        <DetailsSummary application={application} editable={application.allowedActions.includes('update')} />
        <DocumentTable application={application} />
      </section>
      {watcher && (
        <Suspense fallback={<Loading what="Loading the workflow" />}>
          <Workflow id={application.applicationId} />
        </Suspense>
      )}
      <AuditTrail id={application.applicationId} version={application.version} verifiable={watcher} />
    </>
  );
}

function Banners({ application }: { application: Application }) {
  const open = application.informationRequests.find((request) => request.answeredAt === null);
  return (
    <>
      {open && application.status === 'INFORMATION_REQUESTED' && (
        <section class="notification" aria-label="Information requested">
          <p class="notification__heading">Information requested — answer by {formatDate(open.dueAt)}</p>
          <p>The legal clock is paused until the questions are answered.</p>
        </section>
      )}
      {application.decision && (
        <section
          class={`notification ${application.decision.outcome === 'APPROVED' ? 'notification--success' : 'notification--error'}`}
          aria-label="Decision"
        >
          <p class="notification__heading">
            {application.decision.outcome === 'APPROVED' ? 'Approved' : 'Denied'} on{' '}
            {formatDate(application.decision.decidedAt)}
          </p>
        </section>
      )}
    </>
  );
}

/** The draft's task list: each section, the documents, then submit, with the API's completeness check. */
function TaskList({ application }: { application: Application }) {
  const base = `#/applications/${enc(application.applicationId)}`;
  const editable = application.allowedActions.includes('update');
  const completeness = application.completeness;
  const given = (key: (typeof SECTIONS)[number]['key']) => {
    const value = application[key];
    return Array.isArray(value)
      ? value.length > 0
      : value !== undefined && value !== null && Object.keys(value).length > 0;
  };
  const sectionState = (key: (typeof SECTIONS)[number]['key']): [string, string] => {
    const missing = missingIn(completeness?.details ?? [], key).length;
    if (!editable || missing === 0) return ['Completed', 'tag--green'];
    return given(key) ? [`${missing} to do`, 'tag--blue'] : ['Not started', 'tag--grey'];
  };
  const documentsMissing = completeness?.documents.length ?? 0;
  const ready = application.allowedActions.includes('submit') && documentsMissing === 0;
  return (
    <section class="section" aria-labelledby="task-list">
      <h2 class="heading-m" id="task-list">
        Apply for an export licence
      </h2>
      <ol class="task-list">
        {SECTIONS.map((section) => {
          const [state, colour] = sectionState(section.key);
          return (
            <li class="task-list__item" key={section.slug}>
              {editable ? (
                <a href={`${base}/${section.slug}`}>{section.title}</a>
              ) : (
                <span>{section.title}</span>
              )}
              <strong class={`tag ${colour}`} data-testid={`task-${section.slug}`}>
                {state}
              </strong>
            </li>
          );
        })}
        <li class="task-list__item">
          <a href={`${base}/documents`}>Documents</a>
          <strong
            class={`tag ${documentsMissing === 0 ? 'tag--green' : 'tag--blue'}`}
            data-testid="task-documents"
          >
            {application.documents.length} uploaded
            {documentsMissing > 0 ? `, ${documentsMissing} still required` : ''}
          </strong>
        </li>
        <li class="task-list__item">
          {application.allowedActions.includes('submit') ? (
            <a href={`${base}/submit`}>Check your answers and submit</a>
          ) : (
            <span>Check your answers and submit</span>
          )}
          <strong class={`tag ${ready ? 'tag--blue' : 'tag--grey'}`}>
            {application.status === 'DRAFT'
              ? 'Complete the details first'
              : ready
                ? 'Ready to submit'
                : 'Add the documents first'}
          </strong>
        </li>
      </ol>
      {completeness && <CompletenessCheck application={application} />}
    </section>
  );
}

/**
 * What `complete-details` and `submit` would still refuse, as the API answers it with the
 * application (`completeness`): refreshed with every save, each item linked to where it is given.
 */
function CompletenessCheck({ application }: { application: Application }) {
  const base = `#/applications/${enc(application.applicationId)}`;
  const { completeness, status } = application;
  if (!completeness) return null;
  const items = [
    ...completeness.details.map((missing) => ({
      key: missing.path,
      href: `${base}/${sectionOf(missing.path)?.slug ?? ''}`,
      text: `${pathLabel(missing.path)} ${missing.message}`,
    })),
    // Documents are added once the details are complete.
    ...(status === 'END_USER_DOCS'
      ? completeness.documents.map((missing) => ({
          key: `document-${missing.documentType ?? missing.message}`,
          href: `${base}/documents`,
          text: `${label(missing.documentType)} document required`,
        }))
      : []),
  ];
  const next =
    status === 'DRAFT'
      ? 'Every detail is given: complete the details to add the documents.'
      : 'Everything is in: check your answers and submit.';
  return (
    <div class="completeness" data-testid="completeness" aria-live="polite">
      <h3 class="heading-s">
        {items.length === 0 ? 'Nothing is missing' : `Still needed (${items.length})`}
      </h3>
      {items.length === 0 ? (
        <p>{next}</p>
      ) : (
        <ul class="completeness__list">
          {items.map((item) => (
            <li key={item.key}>
              <a href={item.href}>{item.text}</a>
            </li>
          ))}
        </ul>
      )}
      {completeness.warnings.map((warning) => (
        <p class="notification notification--warning" key={warning.path} data-testid="policy-warning">
          {warning.message}
        </p>
      ))}
    </div>
  );
}

/** Actions handled elsewhere on the page (forms of their own) or by the API for the system. */
const ELSEWHERE: ReadonlyArray<string> = ['update', 'add-document', 'remove-document', 'submit', 'respond'];

/** Every action the API allows the caller now (`allowedActions`), each with the body it needs. */
function Actions({ application, onDone }: { application: Application; onDone: () => void }) {
  const actions = application.allowedActions.filter((action) => !ELSEWHERE.includes(action));
  if (actions.length === 0) return null;
  return (
    <section class="section" aria-labelledby="actions">
      <h2 class="heading-m" id="actions">
        What you can do
      </h2>
      {actions.map((action) => (
        <ActionForm key={action} application={application} action={action} onDone={onDone} />
      ))}
    </section>
  );
}

const lines = (value: string) =>
  value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
const numberOrText = (value: string) =>
  value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

/** What the forms suggest: the usual answer time and licence validity. */
const DEFAULTS: Record<string, string> = { dueInWorkingDays: '10', validityMonths: '12' };

function ActionForm({
  application,
  action,
  onDone,
}: {
  application: Application;
  action: Action;
  onDone: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>(DEFAULTS);
  const [reasons, setReasons] = useState<string[]>([]);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: string) => (value: string) => setValues({ ...values, [name]: value });
  const v = (name: string) => values[name] ?? '';
  const note = v('note') === '' ? {} : { note: v('note') };

  // A string: actions the API adds later get their form before the type knows them.
  const name: string = action;
  // An overturned screening refusal re-screens on the facts the decider corrects (merge patch).
  const corrections = () => {
    if (v('outcome') !== 'OVERTURNED') return {};
    const endUser = v('endUserType') === '' ? undefined : { type: v('endUserType') };
    const endUse = v('military') === '' ? undefined : { military: v('military') === 'true' };
    return endUser || endUse
      ? { corrections: { ...(endUser && { endUser }), ...(endUse && { endUse }) } }
      : {};
  };
  const body = (): Record<string, unknown> => {
    switch (name) {
      case 'request-information':
        return {
          questions: lines(v('questions')),
          dueInWorkingDays: numberOrText(v('dueInWorkingDays') || '10'),
        };
      case 'approve':
        return {
          validityMonths: numberOrText(v('validityMonths') || '12'),
          conditions: lines(v('conditions')),
          ...note,
        };
      case 'deny':
        return { reasons, ...note };
      case 'sign-off':
        return { agree: v('agree') === 'true', ...note };
      case 'withdraw':
        return { reason: v('reason') };
      case 'reassign':
        return { to: v('to') };
      case 'appeal':
        return { grounds: v('grounds') };
      case 'decide-appeal':
        return { outcome: v('outcome'), note: v('note'), ...corrections() };
      default:
        return {};
    }
  };
  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await post<Application>(`${appPath(application.applicationId)}/actions/${enc(action)}`, body());
      setErrors(null);
      setValues(DEFAULTS);
      onDone();
    } catch (error) {
      setErrors(toFormErrors(error));
    } finally {
      setBusy(false);
    }
  };
  // Fields bound to `values` by their body path, so the API's `details[].path` lands on them.
  const text = (path: string, title: string, extra: { width?: 'short'; inputMode?: 'numeric' } = {}) => (
    <TextField path={path} label={title} value={v(path)} onInput={set(path)} errors={errors} {...extra} />
  );
  const area = (path: string, title: string, rows = 4) => (
    <TextArea path={path} label={title} value={v(path)} onInput={set(path)} errors={errors} rows={rows} />
  );
  const radios = (path: string, legend: string, options: ReadonlyArray<readonly [string, string]>) => (
    <Radios
      path={path}
      legend={legend}
      options={options}
      value={v(path)}
      onChange={set(path)}
      errors={errors}
    />
  );
  const optionalNote = area('note', 'Note (optional)', 2);
  const fields = () => {
    switch (name) {
      case 'request-information':
        return (
          <>
            {area('questions', 'Questions (one per line)')}
            {text('dueInWorkingDays', 'Answer due in working days (1 to 20)', {
              width: 'short',
              inputMode: 'numeric',
            })}
          </>
        );
      case 'approve':
        return (
          <>
            {text('validityMonths', 'Validity in months (1 to 36)', { width: 'short', inputMode: 'numeric' })}
            {area('conditions', 'Conditions (one per line, optional)', 2)}
            {optionalNote}
          </>
        );
      case 'deny':
        return (
          <>
            <Checkboxes
              path="reasons"
              legend="Reasons for refusal"
              options={DENIAL_REASONS}
              selected={reasons}
              onChange={setReasons}
              errors={errors}
            />
            {optionalNote}
          </>
        );
      case 'sign-off':
        return (
          <>
            {radios('agree', 'Do you agree with the recommendation?', [
              ['true', 'Yes, sign off'],
              ['false', 'No, return it for review'],
            ])}
            {optionalNote}
          </>
        );
      case 'withdraw':
        return text('reason', 'Why is the application withdrawn?');
      case 'reassign':
        return text('to', 'Reassign to (user name)');
      case 'appeal':
        return (
          <>
            <p data-testid="appeal-deadline">
              You may appeal once, until {formatDate(application.decision?.appealDeadline)}. Once the appeal
              is lodged you can add documents that support it.
            </p>
            {area('grounds', 'Grounds of appeal')}
          </>
        );
      case 'decide-appeal':
        return (
          <>
            {radios('outcome', 'Outcome of the appeal', [
              ['UPHELD', 'Upheld (the refusal stands)'],
              ['OVERTURNED', 'Overturned'],
            ])}
            {area('note', 'Note', 2)}
            {v('outcome') === 'OVERTURNED' && (
              <fieldset class="fieldset" id="f-corrections">
                <legend class="fieldset__legend">
                  Corrections (optional): the facts screening runs again on, for an overturned screening
                  refusal
                </legend>
                <SelectField
                  path="corrections.endUser.type"
                  label="Corrected end user type"
                  options={END_USER_TYPES}
                  value={v('endUserType')}
                  onChange={set('endUserType')}
                  errors={errors}
                />
                {radios('military', 'Corrected: is the end use military?', [
                  ['', 'Unchanged'],
                  ['false', 'No'],
                  ['true', 'Yes'],
                ])}
              </fieldset>
            )}
          </>
        );
      default:
        return null;
    }
  };
  const simple = fields() === null;
  return (
    <form class={simple ? 'action action--inline' : 'action'} onSubmit={run} noValidate data-action={action}>
      {!simple && <h3 class="heading-s">{label(action)}</h3>}
      <ErrorSummary errors={errors} />
      {fields()}
      <Button
        type="submit"
        disabled={busy}
        variant={action === 'withdraw' || action === 'deny' ? 'warning' : 'primary'}
      >
        {label(action)}
      </Button>
    </form>
  );
}

function InformationRequests({ application, onDone }: { application: Application; onDone: () => void }) {
  if (application.informationRequests.length === 0) return null;
  const canRespond = application.allowedActions.includes('respond');
  return (
    <section class="section" aria-labelledby="rfis">
      <h2 class="heading-m" id="rfis">
        Requests for information
      </h2>
      {application.informationRequests.map((request, index) => (
        <div class="rfi" key={request.requestedAt}>
          <p>
            Requested {formatDate(request.requestedAt)} by {request.requestedBy}, due{' '}
            {formatDate(request.dueAt)}
            {request.overdue ? ' (overdue)' : ''}
          </p>
          <ol>
            {request.questions.map((question, at) => (
              <li key={question}>
                {question}
                {request.answers?.[at] && <p class="answer">Answer: {request.answers[at]}</p>}
              </li>
            ))}
          </ol>
          {canRespond &&
            request.answeredAt === null &&
            index === application.informationRequests.length - 1 && (
              <RespondForm application={application} request={request} onDone={onDone} />
            )}
        </div>
      ))}
    </section>
  );
}

function RespondForm({
  application,
  request,
  onDone,
}: {
  application: Application;
  request: InformationRequest;
  onDone: () => void;
}) {
  const [answers, setAnswers] = useState<string[]>(request.questions.map(() => ''));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const send = async (event: Event) => {
    event.preventDefault();
    try {
      await post(`${appPath(application.applicationId)}/actions/respond`, { answers });
      onDone();
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  return (
    <form onSubmit={send} noValidate data-action="respond">
      <ErrorSummary errors={errors} />
      {request.questions.map((question, at) => (
        <TextArea
          key={question}
          path={`answers.${at}`}
          label={`Answer to question ${at + 1}`}
          hint={question}
          value={answers[at] ?? ''}
          onInput={(value) => setAnswers(answers.map((old, i) => (i === at ? value : old)))}
          errors={errors}
          rows={2}
        />
      ))}
      <Button type="submit">Send answers</Button>
    </form>
  );
}

function Decision({ application }: { application: Application }) {
  const { decision, licence } = application;
  if (!decision) return null;
  return (
    <section class="section" aria-labelledby="decision">
      <h2 class="heading-m" id="decision">
        Decision
      </h2>
      <SummaryList
        rows={[
          ['Outcome', <Tag status={decision.outcome} />],
          ['Reasons', decision.reasons.map(label).join(', ') || 'none'],
          ['Decided', `${formatDate(decision.decidedAt)} by ${decision.decidedBy}`],
          ['Note', decision.note ?? '—'],
          ['Appeal deadline', formatDate(decision.appealDeadline)],
        ]}
      />
      {licence && (
        <>
          <h3 class="heading-s">Licence {licence.licenceNumber}</h3>
          <SummaryList
            rows={[
              ['Licence number', <a href={licenceHref(licence.licenceNumber)}>{licence.licenceNumber}</a>],
              ['Valid', `${formatDate(licence.validFrom)} to ${formatDate(licence.validTo)}`],
              ['Conditions', licence.conditions.join('; ') || 'none'],
              [
                'Goods',
                licence.goods
                  .map((item) => `${item.description ?? ''} ${item.quantityKg ?? ''} kg`)
                  .join('; '),
              ],
            ]}
          />
        </>
      )}
    </section>
  );
}

/** The appeal: its grounds, its own clock, documents added for it, and its outcome. */
function Appeal({ application }: { application: Application }) {
  const { appeal } = application;
  if (!appeal) return null;
  const clock = appeal.clock;
  return (
    <section class="section" aria-labelledby="appeal">
      <h2 class="heading-m" id="appeal">
        Appeal
      </h2>
      <SummaryList
        rows={[
          ['Lodged', formatDate(appeal.lodgedAt)],
          ['Grounds', appeal.grounds],
          [
            'Appeal clock',
            clock.startedAt
              ? `${clock.workingDaysElapsed} of ${clock.workingDaysLimit} working days${clock.stoppedAt ? ' (stopped)' : ''}, due ${formatDate(clock.dueAt)}`
              : '—',
          ],
          ['Outcome', appeal.outcome ? <Tag status={appeal.outcome} /> : 'pending'],
          ...(appeal.outcome
            ? ([
                ['Decided', `${formatDate(appeal.decidedAt)} by ${appeal.decidedBy ?? '—'}`],
                ['Note', appeal.note ?? '—'],
              ] as const)
            : []),
        ]}
      />
      {application.allowedActions.includes('add-document') && (
        <p>
          <a href={`#/applications/${enc(application.applicationId)}/documents`}>
            Add documents that support the appeal
          </a>
        </p>
      )}
    </section>
  );
}

const AUDIT_COLUMNS: ReadonlyArray<Column<AuditEvent>> = [
  ['#', (event) => event.seq],
  ['When', (event) => formatDate(event.at)],
  ['Who', (event) => actorText(event.actor)],
  [
    'Action',
    (event) => (
      <>
        {label(event.action)}
        {event.reasons.length > 0 && <div class="secondary-text">{event.reasons.map(label).join(', ')}</div>}
      </>
    ),
  ],
  ['Status', (event) => `${event.fromStatus ? `${label(event.fromStatus)} → ` : ''}${label(event.toStatus)}`],
  ['Hash', (event) => <code class="hash">{event.hash.slice(0, 12)}…</code>],
];

function AuditTrail({ id, version, verifiable }: { id: string; version: number; verifiable: boolean }) {
  const trail = useLoad(() => get<{ items: AuditEvent[] }>(`${appPath(id)}/audit`), [id, version]);
  const [verification, setVerification] = useState<ChainVerification | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const verify = async () => {
    try {
      setVerification(await get<ChainVerification>(`${appPath(id)}/audit/verify`));
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  return (
    <section class="section" aria-labelledby="audit">
      <h2 class="heading-m" id="audit">
        Audit trail
      </h2>
      {verifiable && (
        <div class="verify-row">
          <Button variant="secondary" onClick={verify}>
            Verify the audit chain
          </Button>
          {verification && (
            <p data-testid="audit-verification" class={verification.valid ? 'text-success' : 'text-error'}>
              {verification.valid
                ? `valid: ${verification.events} events, head hash ${verification.headHash.slice(0, 16)}…`
                : `invalid: broken at event ${verification.brokenAt} (${verification.reason})`}
            </p>
          )}
          <ErrorSummary errors={errors} />
        </div>
      )}
      {trail.loading && !trail.data && <Loading />}
      {trail.error !== undefined && <LoadError error={trail.error} />}
      {trail.data && (
        <Table
          caption="Audit events, oldest first"
          columns={AUDIT_COLUMNS}
          rows={trail.data.items}
          rowKey={(event) => event.seq}
        />
      )}
    </section>
  );
}

function actorText(actor: AuditEvent['actor']): string {
  if (actor.kind === 'system') return actor.sub;
  const shown = actor as { sub?: string; role?: string; roles?: string[] };
  return shown.sub ?? shown.role ?? shown.roles?.join(', ') ?? 'someone';
}
