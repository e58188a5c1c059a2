import { useState } from 'preact/hooks';
import { CONTENT_TYPES, DOCUMENT_TYPES, ELEMENTS, END_USER_TYPES, FORMS } from '#domain/codes.ts';
import { del, enc, get, patch, post } from '../api.ts';
import type { Application, DocumentRecord, GoodsItem, Missing } from '../types.ts';
import {
  Button,
  Checkboxes,
  type Column,
  ErrorSummary,
  type FormErrors,
  LoadError,
  Loading,
  label,
  pathLabel,
  Radios,
  SelectField,
  SummaryList,
  Table,
  TextArea,
  TextField,
  toFormErrors,
  useLoad,
} from '../ui.tsx';

/**
 * The applicant's draft, one question group per page (GOV.UK "task list" pattern): each section is
 * saved with a JSON merge patch; what is missing and what is wrong is the API's answer, shown next
 * to the fields (`details[].path`).
 */
export const SECTIONS = [
  { slug: 'exporter', key: 'exporter', title: 'Exporter' },
  { slug: 'goods', key: 'goods', title: 'Goods' },
  { slug: 'consignee', key: 'consignee', title: 'Consignee' },
  { slug: 'end-user', key: 'endUser', title: 'End user' },
  { slug: 'end-use', key: 'endUse', title: 'End use' },
] as const;
type SectionKey = (typeof SECTIONS)[number]['key'];

/** The section a body path such as `goods.0.form` or `endUser.type` belongs to. */
export const sectionOf = (path: string) => SECTIONS.find((section) => section.key === path.split('.')[0]);
/** The API's missing items of one section. */
export const missingIn = (missing: readonly Missing[], key: SectionKey) =>
  missing.filter((item) => sectionOf(item.path)?.key === key);

const appPath = (id: string) => `/applications/${enc(id)}`;
const backTo = (id: string) => `#/applications/${enc(id)}`;

export function useApplication(id: string) {
  return useLoad(() => get<Application>(appPath(id)), [id]);
}

/** Text fields of a form as strings; empty means "not given" (deleted by the merge patch). */
type Values = Record<string, string>;
const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
/** A number when the input is one, else the text as typed (the API says what is wrong with it). */
const numberOrText = (value: string) =>
  value.trim() === '' ? null : Number.isFinite(Number(value)) ? Number(value) : value;
const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

function sectionValues(application: Application, key: SectionKey): Values[] {
  if (key === 'goods') {
    const goods = application.goods ?? [];
    return (goods.length > 0 ? goods : [{}]).map((item: GoodsItem) => ({
      description: text(item.description),
      element: text(item.element),
      form: text(item.form),
      controlCode: text(item.controlCode),
      quantityKg: text(item.quantityKg),
      valueUsd: text(item.valueUsd),
    }));
  }
  const current = (application[key] ?? {}) as Record<string, unknown>;
  return [Object.fromEntries(Object.entries(current).map(([name, value]) => [name, text(value)]))];
}

function patchOf(key: SectionKey, values: Values[]): Record<string, unknown> {
  if (key === 'goods') {
    return {
      goods: values.map((item) =>
        Object.fromEntries(
          Object.entries({
            description: orNull(item.description ?? ''),
            element: orNull(item.element ?? ''),
            form: orNull(item.form ?? ''),
            controlCode: orNull(item.controlCode ?? ''),
            quantityKg: numberOrText(item.quantityKg ?? ''),
            valueUsd: numberOrText(item.valueUsd ?? ''),
          }).filter(([, value]) => value !== null),
        ),
      ),
    };
  }
  const first = values[0] ?? {};
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(first)) {
    body[name] = name === 'military' ? (value === '' ? null : value === 'true') : orNull(value);
  }
  return { [key]: body };
}

export function SectionPage({ id, section }: { id: string; section: string }) {
  const spec = SECTIONS.find((candidate) => candidate.slug === section);
  const loaded = useApplication(id);
  if (!spec) return <LoadError error={new Error('There is no such section.')} />;
  if (loaded.loading && !loaded.data) return <Loading />;
  if (loaded.error !== undefined) return <LoadError error={loaded.error} />;
  if (!loaded.data) return null;
  return <SectionForm application={loaded.data} spec={spec} />;
}

function SectionForm({ application, spec }: { application: Application; spec: (typeof SECTIONS)[number] }) {
  const [values, setValues] = useState<Values[]>(() => sectionValues(application, spec.key));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [saving, setSaving] = useState(false);
  const id = application.applicationId;
  const set = (index: number, name: string) => (value: string) =>
    setValues(values.map((item, at) => (at === index ? { ...item, [name]: value } : item)));
  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    try {
      await patch<Application>(appPath(id), patchOf(spec.key, values));
      location.hash = backTo(id);
    } catch (error) {
      setErrors(toFormErrors(error));
    } finally {
      setSaving(false);
    }
  };

  // Fields bound to item `index` of `values` by their body path (`exporter.name`, `goods.0.form`).
  const pathOf = (name: string, index: number) =>
    spec.key === 'goods' ? `goods.${index}.${name}` : `${spec.key}.${name}`;
  const text = (
    name: string,
    title: string,
    index = 0,
    extra: { hint?: string; width?: 'short'; inputMode?: 'decimal' } = {},
  ) => (
    <TextField
      path={pathOf(name, index)}
      label={title}
      value={values[index]?.[name] ?? ''}
      onInput={set(index, name)}
      errors={errors}
      {...extra}
    />
  );
  const area = (name: string, title: string, index = 0, rows = 3) => (
    <TextArea
      path={pathOf(name, index)}
      label={title}
      value={values[index]?.[name] ?? ''}
      onInput={set(index, name)}
      errors={errors}
      rows={rows}
    />
  );
  const select = (name: string, title: string, options: readonly string[], index = 0) => (
    <SelectField
      path={pathOf(name, index)}
      label={title}
      options={options}
      value={values[index]?.[name] ?? ''}
      onChange={set(index, name)}
      errors={errors}
    />
  );
  const country = (example: string) =>
    text('country', 'Country', 0, { hint: `Two-letter ISO code, for example ${example}`, width: 'short' });
  return (
    <>
      <a class="back-link" href={backTo(id)}>
        Back to the application
      </a>
      <ErrorSummary errors={errors} />
      <form onSubmit={save} noValidate>
        <h1 class="heading-l">{spec.title}</h1>
        <SectionMissing missing={missingIn(application.completeness?.details ?? [], spec.key)} />
        {spec.key === 'exporter' && (
          <>
            {text('name', 'Exporter name')}
            {country('CN')}
          </>
        )}
        {(spec.key === 'consignee' || spec.key === 'endUser') && (
          <>
            {text('name', 'Name')}
            {country('DE')}
            {area('address', 'Address')}
            {spec.key === 'endUser' && select('type', 'Type of end user', END_USER_TYPES)}
          </>
        )}
        {spec.key === 'endUse' && (
          <>
            {area('description', 'What will the goods be used for?', 0, 4)}
            <Radios
              path={pathOf('military', 0)}
              legend="Is the end use military?"
              options={[
                ['false', 'No'],
                ['true', 'Yes'],
              ]}
              value={values[0]?.military ?? ''}
              onChange={set(0, 'military')}
              errors={errors}
            />
          </>
        )}
        {spec.key === 'goods' &&
          values.map((_, index) => (
            <fieldset class="fieldset goods-item" key={index}>
              <legend class="fieldset__legend heading-s">Goods item {index + 1}</legend>
              {area('description', 'Description', index, 2)}
              {select('element', 'Element', ELEMENTS, index)}
              {select('form', 'Form', FORMS, index)}
              {text('controlCode', 'Control code', index, { width: 'short' })}
              {text('quantityKg', 'Quantity (kg)', index, { width: 'short', inputMode: 'decimal' })}
              {text('valueUsd', 'Value (USD)', index, { width: 'short', inputMode: 'decimal' })}
              {values.length > 1 && (
                <Button variant="secondary" onClick={() => setValues(values.filter((_, at) => at !== index))}>
                  Remove goods item {index + 1}
                </Button>
              )}
            </fieldset>
          ))}
        {spec.key === 'goods' && (
          <p>
            <Button variant="secondary" onClick={() => setValues([...values, {}])}>
              Add another goods item
            </Button>
          </p>
        )}
        <Button type="submit" disabled={saving}>
          Save and continue
        </Button>
      </form>
    </>
  );
}

/** What this section still lacks, as the API answered with the application when the page opened. */
function SectionMissing({ missing }: { missing: readonly Missing[] }) {
  if (missing.length === 0) return null;
  return (
    <div class="completeness" data-testid="section-missing">
      <p>Still needed to complete the details:</p>
      <ul class="completeness__list">
        {missing.map((item) => (
          <li key={item.path}>
            {pathLabel(item.path)} {item.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `sha256` of the bytes, in hex (shown before upload; the API's own hash is shown after). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function toBase64(bytes: ArrayBuffer): string {
  const array = new Uint8Array(bytes);
  let binary = '';
  for (let at = 0; at < array.length; at += 0x8000)
    binary += String.fromCharCode(...array.subarray(at, at + 0x8000));
  return btoa(binary);
}

interface Picked {
  file: File;
  bytes: ArrayBuffer;
  sha256: string;
}

export function DocumentsPage({ id }: { id: string }) {
  const loaded = useApplication(id);
  const [type, setType] = useState('');
  const [picked, setPicked] = useState<Picked | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    const bytes = await file.arrayBuffer();
    setPicked({ file, bytes, sha256: await sha256Hex(bytes) });
    setErrors(null);
  };
  const upload = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await post<DocumentRecord>(`${appPath(id)}/documents`, {
        type,
        fileName: picked?.file.name ?? '',
        contentType: picked?.file.type || 'application/octet-stream',
        contentBase64: picked ? toBase64(picked.bytes) : '',
      });
      setPicked(null);
      setType('');
      setErrors(null);
      loaded.reload();
    } catch (error) {
      const found = toFormErrors(error);
      // The file itself (size, kind by its bytes) concerns the file input.
      if (found.byField.size === 0) found.byField.set('file', found.message);
      setErrors(found);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (documentId: string) => {
    try {
      await del<Application>(`${appPath(id)}/documents/${enc(documentId)}`);
      loaded.reload();
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };

  if (loaded.error !== undefined) return <LoadError error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const application = loaded.data;
  const canAdd = application.allowedActions.includes('add-document');
  const fileError =
    errors?.byField.get('file') ?? errors?.byField.get('contentBase64') ?? errors?.byField.get('contentType');
  return (
    <>
      <a class="back-link" href={backTo(id)}>
        Back to the application
      </a>
      <h1 class="heading-l">Documents</h1>
      <ErrorSummary errors={errors} />
      {(application.completeness?.documents.length ?? 0) > 0 && (
        <p data-testid="documents-missing">
          Still required before you can submit:{' '}
          {application.completeness?.documents.map((missing) => label(missing.documentType)).join(', ')}.
        </p>
      )}
      <DocumentTable application={application} onRemove={canAdd ? remove : undefined} />
      {canAdd ? (
        <form onSubmit={upload} noValidate class="section">
          <h2 class="heading-m">Add a document</h2>
          <SelectField
            path="type"
            label="Type of document"
            options={DOCUMENT_TYPES}
            value={type}
            onChange={setType}
            errors={errors}
          />
          <div class={`form-group${fileError ? ' form-group--error' : ''}`}>
            <label class="label" for="f-file">
              File (PDF, PNG or JPEG, at most 3 MiB)
            </label>
            {fileError && (
              <p class="error-message" id="f-file-error">
                <span class="visually-hidden">Error:</span> {fileError}
              </p>
            )}
            {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone only adds dragging to the file input inside it, which stays the keyboard's way in */}
            <div
              class={`drop-zone${dragging ? ' drop-zone--active' : ''}`}
              data-testid="drop-zone"
              onDragOver={(event) => {
                event.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={(event) => {
                event.preventDefault();
                setDragging(false);
                void pick(event.dataTransfer?.files[0]);
              }}
            >
              <p>Drag and drop a file here, or choose one:</p>
              <input
                id="f-file"
                type="file"
                accept={CONTENT_TYPES.join(',')}
                aria-describedby={fileError ? 'f-file-error' : undefined}
                onChange={(event) => void pick(event.currentTarget.files?.[0])}
              />
            </div>
          </div>
          {picked && (
            <SummaryList
              rows={[
                ['File', picked.file.name],
                ['Size', `${picked.file.size} bytes`],
                [
                  'sha256',
                  <code class="hash" data-testid="picked-sha256">
                    {picked.sha256}
                  </code>,
                ],
              ]}
            />
          )}
          <Button type="submit" disabled={busy}>
            Upload
          </Button>
        </form>
      ) : (
        <p>Documents can no longer be changed.</p>
      )}
    </>
  );
}

const DOCUMENT_COLUMNS: ReadonlyArray<Column<DocumentRecord>> = [
  ['Type', (document) => document.type.replace(/_/g, ' ').toLowerCase()],
  ['File', (document) => document.fileName],
  ['Size', (document) => `${document.sizeBytes} bytes`],
  ['sha256', (document) => <code class="hash">{document.sha256}</code>],
];

export function DocumentTable({
  application,
  onRemove,
}: {
  application: Application;
  onRemove?: ((id: string) => void) | undefined;
}) {
  if (application.documents.length === 0) return <p class="empty">No documents yet.</p>;
  return (
    <Table
      caption="Documents"
      captionVisible
      testId="documents"
      rows={application.documents}
      rowKey={(document) => document.documentId}
      columns={[
        ...DOCUMENT_COLUMNS,
        ...(onRemove
          ? ([
              [
                'Action',
                (document: DocumentRecord) => (
                  <button type="button" class="link-button" onClick={() => onRemove(document.documentId)}>
                    Remove<span class="visually-hidden"> {document.fileName}</span>
                  </button>
                ),
              ],
            ] as const)
          : []),
      ]}
    />
  );
}

/** The details as a summary list ("check your answers"), with change links while editable. */
export function DetailsSummary({ application, editable }: { application: Application; editable: boolean }) {
  const party = (value: { name?: string; country?: string; address?: string } | undefined) =>
    value ? [value.name, value.address, value.country].filter(Boolean).join(', ') || '—' : '—';
  const rows: Array<[string, string, string]> = [
    [
      'Exporter',
      'exporter',
      [application.exporter?.name, application.exporter?.country].filter(Boolean).join(', ') || '—',
    ],
    [
      'Goods',
      'goods',
      (application.goods ?? [])
        .map(
          (item) =>
            `${item.description ?? '—'} (${[item.element, item.form, item.controlCode].filter(Boolean).join(', ')}) ${item.quantityKg ?? '?'} kg${item.valueUsd !== undefined ? `, ${item.valueUsd} USD` : ''}`,
        )
        .join('; ') || '—',
    ],
    ['Consignee', 'consignee', party(application.consignee)],
    [
      'End user',
      'end-user',
      `${party(application.endUser)}${application.endUser?.type ? ` (${application.endUser.type.toLowerCase()})` : ''}`,
    ],
    [
      'End use',
      'end-use',
      application.endUse
        ? `${application.endUse.description ?? '—'}${application.endUse.military === undefined ? '' : application.endUse.military ? ' (military)' : ' (not military)'}`
        : '—',
    ],
  ];
  return (
    <dl class="summary-list">
      {rows.map(([title, slug, value]) => (
        <div class="summary-list__row" key={slug}>
          <dt class="summary-list__key">{title}</dt>
          <dd class="summary-list__value">{value}</dd>
          {editable && (
            <dd class="summary-list__actions">
              <a href={`#/applications/${enc(application.applicationId)}/${slug}`}>
                Change<span class="visually-hidden"> {title.toLowerCase()}</span>
              </a>
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

/** "Check your answers", then the declaration and submit. */
export function SubmitPage({ id }: { id: string }) {
  const loaded = useApplication(id);
  const [accurate, setAccurate] = useState<string[]>([]);
  const [signedBy, setSignedBy] = useState('');
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);
  if (loaded.error !== undefined) return <LoadError error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const application = loaded.data;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await post<Application>(`${appPath(id)}/actions/submit`, {
        declaration: { accurate: accurate.includes('accurate'), signedBy },
      });
      location.hash = backTo(id);
    } catch (error) {
      const found = toFormErrors(error);
      // The declaration's fields are named after the body, `declaration.accurate` and `declaration.signedBy`.
      setErrors(found);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <a class="back-link" href={backTo(id)}>
        Back to the application
      </a>
      <ErrorSummary errors={errors} />
      <h1 class="heading-l">Check your answers before submitting</h1>
      <DetailsSummary application={application} editable={false} />
      <DocumentTable application={application} />
      <form onSubmit={submit} noValidate class="section">
        <h2 class="heading-m">Declaration</h2>
        <Checkboxes
          path="declaration.accurate"
          legend="Declaration"
          options={['accurate']}
          optionLabel={() => 'I confirm that the information in this application is accurate and complete'}
          selected={accurate}
          onChange={setAccurate}
          errors={errors}
        />
        <TextField
          path="declaration.signedBy"
          label="Your full name"
          autoComplete="name"
          value={signedBy}
          onInput={setSignedBy}
          errors={errors}
        />
        <Button type="submit" disabled={busy || !application.allowedActions.includes('submit')}>
          Submit application
        </Button>
      </form>
    </>
  );
}
