import { useState } from 'preact/hooks';
import { LICENCE_REASONS } from '#domain/codes.ts';
import { enc, get, post } from '../api.ts';
import { hasGroup, LICENCE_READERS, type Session } from '../session.ts';
import type { Application, Licence, LicenceAction, Page, UsageRecord } from '../types.ts';
import {
  Button,
  Checkboxes,
  type Column,
  Empty,
  ErrorSummary,
  type FormErrors,
  FormSection,
  formatDate,
  LoadError,
  LoadedTable,
  Loading,
  label,
  SummaryList,
  Table,
  Tag,
  TextArea,
  TextField,
  toFormErrors,
  useLoad,
} from '../ui.tsx';

/**
 * Licences in force: the holder's view (remaining quantities and values, usage, validity, the
 * verification code), the authority's actions (suspend, reinstate, revoke: senior reviewers), the
 * border agency's usage recording, and amend. Every button is an action the API lists in the
 * licence's `allowedActions` for the caller.
 */
const licencePath = (number: string) => `/licences/${enc(number)}`;
export const licenceHref = (number: string) => `#/licences/${enc(number)}`;

const kg = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${value} kg`;
const usd = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${value.toLocaleString('en-GB')} USD`;

const LIST_COLUMNS: ReadonlyArray<Column<Licence>> = [
  [
    'Licence',
    (licence) => (
      <a class="mono" href={licenceHref(licence.licenceNumber)}>
        {licence.licenceNumber}
      </a>
    ),
  ],
  ['Status', (licence) => <Tag status={licence.status} />],
  ['Holder', (licence) => licence.orgId],
  ['Exporter', (licence) => licence.exporter.name ?? '—'],
  ['Valid to', (licence) => formatDate(licence.validTo)],
];

/** The licences the caller may see, newest first, and a look-up by number (customs at the border). */
export function LicencesPage() {
  const list = useLoad(() => get<Page<Licence>>('/licences?limit=50'), []);
  const [number, setNumber] = useState('');
  return (
    <>
      <h1 class="heading-l">Licences</h1>
      <FormSection
        id="find-licence"
        heading="Find a licence"
        onSubmit={(event) => {
          event.preventDefault();
          location.hash = licenceHref(number.trim());
        }}
        submit="Open the licence"
        variant="secondary"
      >
        <TextField
          path="licenceNumber"
          label="Licence number"
          value={number}
          onInput={setNumber}
          errors={null}
          width="short"
        />
      </FormSection>
      <LoadedTable
        loaded={{ ...list, data: list.data?.items }}
        empty="There are no licences yet."
        caption="Licences, newest first"
        columns={LIST_COLUMNS}
        rowKey={(licence) => licence.licenceNumber}
        testId="licences"
      />
    </>
  );
}

export function LicencePage({ number, session }: { number: string; session: Session | null }) {
  const licence = useLoad(() => get<Licence>(licencePath(number)), [number]);
  // Operators see no values (API.md), so the usage list is only asked for by those who may read it.
  const seesUsage = hasGroup(session, ...LICENCE_READERS);
  const usage = useLoad(
    async () => (seesUsage ? get<{ items: UsageRecord[] }>(`${licencePath(number)}/usage`) : null),
    [number, licence.data?.version, seesUsage],
  );
  if (licence.error !== undefined) return <LoadError error={licence.error} />;
  if (!licence.data) return <Loading />;
  const shown = licence.data;
  const ended = shown.ended ?? null;
  return (
    <>
      <span class="caption">Licence</span>
      <h1 class="heading-l">
        {shown.licenceNumber}{' '}
        <span data-testid="licence-status">
          <Tag status={shown.status} />
        </span>
      </h1>
      {shown.suspension && (
        <section class="notification notification--warning" aria-label="Suspension">
          <p class="notification__heading">
            Suspended on {formatDate(shown.suspension.at)} by {shown.suspension.byRole}
          </p>
          <p>
            {shown.suspension.reasons.map(label).join(', ')}
            {shown.suspension.note ? `: ${shown.suspension.note}` : ''}. Usage is refused while suspended.
          </p>
        </section>
      )}
      {ended && (
        <section class="notification notification--error" aria-label="Ended">
          <p class="notification__heading">
            {label(ended.status)} on {formatDate(ended.at)}
          </p>
          <p>
            {ended.reasons.map(label).join(', ') || 'No reason codes'}
            {ended.note ? `: ${ended.note}` : ''}
          </p>
        </section>
      )}
      <SummaryList
        rows={[
          ['Holder', shown.orgId],
          ['Exporter', [shown.exporter.name, shown.exporter.country].filter(Boolean).join(', ') || '—'],
          ['Consignee', `${shown.consignee.name}, ${shown.consignee.country}`],
          ['End user', `${shown.endUser.name}, ${shown.endUser.country} (${label(shown.endUser.type)})`],
          ['Valid', `${formatDate(shown.validFrom)} to ${formatDate(shown.validTo)}`],
          ['Conditions', shown.conditions.join('; ') || 'none'],
          [
            'Application',
            <a class="mono" href={`#/applications/${enc(shown.applicationId)}`}>
              {shown.applicationId}
            </a>,
          ],
          ...(shown.amends
            ? ([['Varies', <a href={licenceHref(shown.amends)}>{shown.amends}</a>]] as const)
            : []),
          ...(shown.supersededBy
            ? ([
                ['Superseded by', <a href={licenceHref(shown.supersededBy)}>{shown.supersededBy}</a>],
              ] as const)
            : []),
          ...(shown.openAmendment
            ? ([
                [
                  'Open amendment',
                  <a class="mono" href={`#/applications/${enc(shown.openAmendment)}`}>
                    {shown.openAmendment}
                  </a>,
                ],
              ] as const)
            : []),
          ...(shown.verificationCode
            ? ([
                [
                  'Verification code',
                  <>
                    <code data-testid="verification-code">{shown.verificationCode}</code>{' '}
                    <a href={`#/verify/${enc(shown.licenceNumber)}`}>check it on the verify page</a>
                  </>,
                ],
              ] as const)
            : []),
        ]}
      />
      <Goods licence={shown} />
      <section class="section" aria-labelledby="usage">
        <h2 class="heading-m" id="usage">
          Usage
        </h2>
        {!seesUsage && (
          <Empty>
            Shipments against a licence are shown to its holder and the authority, not to operators.
          </Empty>
        )}
        {seesUsage && usage.loading && !usage.data && <Loading />}
        {usage.error !== undefined && <LoadError error={usage.error} />}
        {usage.data && usage.data.items.length === 0 && <Empty>No shipment recorded yet.</Empty>}
        {usage.data && usage.data.items.length > 0 && <UsageTable licence={shown} items={usage.data.items} />}
      </section>
      <LicenceActions licence={shown} session={session} onDone={licence.reload} />
    </>
  );
}

function Goods({ licence }: { licence: Licence }) {
  const values = licence.goods.some((item) => item.valueUsd !== undefined);
  const columns: Array<Column<Licence['goods'][number]>> = [
    ['Goods', (item) => item.description ?? '—'],
    ['Kind', (item) => [label(item.element), label(item.form), item.controlCode].filter(Boolean).join(', ')],
    ['Licensed', (item) => kg(item.quantityKg)],
    ['Used', (item) => kg(item.usedQuantityKg)],
    [
      'Remaining',
      (item) => <strong>{kg(item.form === 'TECHNOLOGY' ? null : item.remainingQuantityKg)}</strong>,
    ],
  ];
  if (values) {
    columns.push(
      ['Value', (item) => usd(item.valueUsd)],
      ['Value used', (item) => usd(item.usedValueUsd)],
      ['Value remaining', (item) => <strong>{usd(item.remainingValueUsd)}</strong>],
    );
  }
  return (
    <Table
      caption="Goods: licensed, used and remaining"
      captionVisible
      columns={columns}
      rows={licence.goods}
      rowKey={(item) => licence.goods.indexOf(item)}
      testId="licence-goods"
    />
  );
}

function UsageTable({ licence, items }: { licence: Licence; items: UsageRecord[] }) {
  const goodsName = (index: number) => licence.goods[index]?.description ?? `item ${index + 1}`;
  return (
    <Table
      caption="Shipments recorded against the licence"
      columns={[
        ['Shipped', (record) => formatDate(record.shippedAt)],
        ['Declaration', (record) => record.declarationRef],
        [
          'Goods',
          (record) =>
            record.items
              .map(
                (item) =>
                  `${goodsName(item.goodsIndex)}: ${kg(item.quantityKg)}${item.valueUsd === undefined ? '' : `, ${usd(item.valueUsd)}`}`,
              )
              .join('; '),
        ],
        ['Recorded', (record) => `${formatDate(record.recordedAt)} by ${record.recordedBy}`],
        ['Usage id', (record) => <code class="hash">{record.usageId}</code>],
      ]}
      rows={items}
      rowKey={(record) => record.usageId}
      testId="usage"
    />
  );
}

/** The licence actions the API offers the caller; `amend` opens the new draft application. */
function LicenceActions({
  licence,
  session,
  onDone,
}: {
  licence: Licence;
  session: Session | null;
  onDone: () => void;
}) {
  const actions = licence.allowedActions;
  if (actions.length === 0) return null;
  return (
    <section class="section" aria-labelledby="licence-actions">
      <h2 class="heading-m" id="licence-actions">
        {hasGroup(session, 'customs') ? 'Record a shipment' : 'What you can do'}
      </h2>
      {actions.includes('amend') && <AmendButton licence={licence} />}
      {actions.includes('record-usage') && <RecordUsageForm licence={licence} onDone={onDone} />}
      {actions
        .filter((action) => action !== 'amend' && action !== 'record-usage')
        .map((action) => (
          <LicenceActionForm key={action} licence={licence} action={action} onDone={onDone} />
        ))}
    </section>
  );
}

function AmendButton({ licence }: { licence: Licence }) {
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const amend = async (event: Event) => {
    event.preventDefault();
    try {
      const draft = await post<Application>(`${licencePath(licence.licenceNumber)}/actions/amend`, {});
      location.hash = `#/applications/${enc(draft.applicationId)}`;
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  return (
    <form class="action" onSubmit={amend} noValidate data-action="amend">
      <h3 class="heading-s">Amend the licence</h3>
      <p>
        Opens a new application prefilled from this licence, with its documents. Once it is approved, it
        replaces this licence, with what was used carried over.
      </p>
      <ErrorSummary errors={errors} />
      <Button type="submit">Amend</Button>
    </form>
  );
}

/** kg and USD as typed: a number when the input is one, else the text (the API says what is wrong). */
const amount = (value: string) => (Number.isFinite(Number(value)) ? Number(value) : value);

function RecordUsageForm({ licence, onDone }: { licence: Licence; onDone: () => void }) {
  const fresh = () => ({
    usageId: crypto.randomUUID(),
    shippedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    declarationRef: '',
  });
  const [head, setHead] = useState(fresh);
  const [amounts, setAmounts] = useState<Array<{ quantityKg: string; valueUsd: string }>>(() =>
    licence.goods.map(() => ({ quantityKg: '', valueUsd: '' })),
  );
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);
  // The goods items with an amount, in order: `items.<position>` in the body.
  const shipped = amounts
    .map((item, goodsIndex) => ({ ...item, goodsIndex }))
    .filter((item) => item.quantityKg.trim() !== '' || item.valueUsd.trim() !== '');
  const position = (goodsIndex: number) => shipped.findIndex((item) => item.goodsIndex === goodsIndex);
  const fieldOf = (goodsIndex: number, name: string) => {
    const at = position(goodsIndex);
    return at === -1 ? `goods.${goodsIndex}.${name}` : `items.${at}.${name}`;
  };
  const send = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await post(`${licencePath(licence.licenceNumber)}/actions/record-usage`, {
        ...head,
        items: shipped.map((item) => ({
          goodsIndex: item.goodsIndex,
          quantityKg: amount(item.quantityKg || '0'),
          valueUsd: amount(item.valueUsd || '0'),
        })),
      });
      setErrors(null);
      setHead(fresh());
      setAmounts(licence.goods.map(() => ({ quantityKg: '', valueUsd: '' })));
      onDone();
    } catch (error) {
      setErrors(withRemaining(toFormErrors(error), error, fieldOf));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="action" onSubmit={send} noValidate data-action="record-usage">
      <h3 class="heading-s">Record usage</h3>
      <ErrorSummary errors={errors} />
      <TextField
        path="declarationRef"
        label="Customs declaration reference"
        value={head.declarationRef}
        onInput={(value) => setHead({ ...head, declarationRef: value })}
        errors={errors}
        width="short"
      />
      <TextField
        path="shippedAt"
        label="Shipped at"
        hint="Date and time in UTC, for example 2026-12-03T09:30:00Z"
        value={head.shippedAt}
        onInput={(value) => setHead({ ...head, shippedAt: value })}
        errors={errors}
      />
      {licence.goods.map((item, goodsIndex) => (
        <fieldset class="fieldset goods-item" key={goodsIndex}>
          <legend class="fieldset__legend">
            {item.description ?? `Goods item ${goodsIndex + 1}`}: {kg(item.remainingQuantityKg)} and{' '}
            {usd(item.remainingValueUsd)} remaining
          </legend>
          {(['quantityKg', 'valueUsd'] as const).map((name) => (
            <TextField
              key={name}
              path={fieldOf(goodsIndex, name)}
              label={`${name === 'quantityKg' ? 'Quantity shipped (kg)' : 'Value shipped (USD)'}, item ${goodsIndex + 1}`}
              value={amounts[goodsIndex]?.[name] ?? ''}
              onInput={(value) =>
                setAmounts(amounts.map((old, at) => (at === goodsIndex ? { ...old, [name]: value } : old)))
              }
              errors={errors}
              width="short"
              inputMode="decimal"
            />
          ))}
        </fieldset>
      ))}
      <Button type="submit" disabled={busy}>
        Record usage
      </Button>
    </form>
  );
}

/** `EXCEEDS_LICENCE` names goods items (`goodsIndex`) and what remains of them: shown at their quantity field. */
function withRemaining(
  found: FormErrors,
  error: unknown,
  fieldOf: (goodsIndex: number, name: string) => string,
): FormErrors {
  const details = (error as { details?: Array<Record<string, unknown>> }).details ?? [];
  const remaining = details.filter((detail) => typeof detail.goodsIndex === 'number');
  if (remaining.length === 0) return found;
  const byField = new Map(found.byField);
  const list = remaining.map((detail) => {
    const goodsIndex = detail.goodsIndex as number;
    const text = `Goods item ${goodsIndex + 1}: only ${kg(detail.remainingQuantityKg as number | null)} and ${usd(detail.remainingValueUsd as number)} remain`;
    const path = fieldOf(goodsIndex, 'quantityKg');
    byField.set(path, text);
    return { path, text };
  });
  return { message: found.message, byField, list };
}

/** suspend, revoke (reason codes and a note), reinstate (a note), surrender (a reason). */
function LicenceActionForm({
  licence,
  action,
  onDone,
}: {
  licence: Licence;
  action: LicenceAction;
  onDone: () => void;
}) {
  const [reasons, setReasons] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const coded = action === 'suspend' || action === 'revoke';
  const body = () => {
    if (action === 'surrender') return { reason: note };
    const withNote = note.trim() === '' ? {} : { note };
    return coded ? { reasons, ...withNote } : withNote;
  };
  const run = async (event: Event) => {
    event.preventDefault();
    try {
      await post<Licence>(`${licencePath(licence.licenceNumber)}/actions/${enc(action)}`, body());
      setErrors(null);
      setReasons([]);
      setNote('');
      onDone();
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  return (
    <form class="action" onSubmit={run} noValidate data-action={action}>
      <h3 class="heading-s">{label(action)}</h3>
      <ErrorSummary errors={errors} />
      {coded && (
        <Checkboxes
          path="reasons"
          legend={`Reasons to ${action}`}
          options={LICENCE_REASONS}
          selected={reasons}
          onChange={setReasons}
          errors={errors}
        />
      )}
      <TextArea
        path={action === 'surrender' ? 'reason' : 'note'}
        label={action === 'surrender' ? 'Why is the licence surrendered?' : 'Note (optional)'}
        value={note}
        onInput={setNote}
        errors={errors}
        rows={2}
      />
      <Button type="submit" variant={action === 'reinstate' ? 'primary' : 'warning'}>
        {label(action)}
      </Button>
    </form>
  );
}
