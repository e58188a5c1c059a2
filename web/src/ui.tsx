import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import type { ErrorDetail } from './types.ts';

/** Small building blocks after the GOV.UK Design System's patterns (not its branding). */

export const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** Words for a code such as `UNDER_REVIEW` or `request-information`. */
export function label(code: string | null | undefined): string {
  if (!code) return '—';
  const words = code.replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
}

const TAG_COLOURS: Record<string, string> = {
  DRAFT: 'grey',
  END_USER_DOCS: 'blue',
  SUBMITTED: 'blue',
  SCREENING: 'purple',
  UNDER_REVIEW: 'turquoise',
  INFORMATION_REQUESTED: 'orange',
  PENDING_SIGN_OFF: 'yellow',
  APPEALED: 'purple',
  OVERTURNED: 'turquoise',
  APPROVED: 'green',
  ACTIVE: 'green',
  DENIED: 'red',
  REVOKED: 'red',
  SUSPENDED: 'orange',
  WITHDRAWN: 'grey',
  ABANDONED: 'grey',
};

/** A status tag: the words are always there, the colour only repeats them. */
export function Tag({ status }: { status: string | null | undefined }) {
  const colour = TAG_COLOURS[status ?? ''] ?? 'grey';
  return <strong class={`tag tag--${colour}`}>{label(status)}</strong>;
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" role="status">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** The messages of an error, with the field each concerns when the API names one. */
export interface FormErrors {
  message: string;
  byField: Map<string, string>;
  list: Array<{ path: string | null; text: string }>;
}

export function toFormErrors(error: unknown): FormErrors {
  if (!(error instanceof ApiError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { message, byField: new Map(), list: [{ path: null, text: message }] };
  }
  const byField = new Map<string, string>();
  const list: FormErrors['list'] = [];
  for (const detail of error.details as ErrorDetail[]) {
    const path = typeof detail.path === 'string' && detail.path !== '' ? detail.path : null;
    const text = detailText(detail);
    if (path && !byField.has(path)) byField.set(path, text);
    list.push({ path, text: path ? `${pathLabel(path)}: ${text}` : text });
  }
  if (list.length === 0) list.push({ path: null, text: error.message });
  return { message: error.message, byField, list };
}

/** One error about one field, found in the browser (e.g. an unreadable pasted token). */
export function fieldError(message: string, path: string, text: string): FormErrors {
  return { message, byField: new Map([[path, text]]), list: [{ path, text }] };
}

function detailText(detail: ErrorDetail): string {
  if (typeof detail.message === 'string') return detail.message;
  if (Array.isArray(detail.allowedActions)) {
    const allowed = (detail.allowedActions as string[]).map(label).join(', ') || 'none';
    return `status is ${label(String(detail.status ?? ''))}; allowed now: ${allowed}`;
  }
  return Object.entries(detail)
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** `endUser.address` → "End user address", `goods.0.quantityKg` → "Goods item 1 quantity kg". */
export function pathLabel(path: string): string {
  return path
    .split('.')
    .map((part) =>
      /^\d+$/.test(part) ? `item ${Number(part) + 1}` : part.replace(/([a-z])([A-Z])/g, '$1 $2'),
    )
    .join(' ')
    .toLowerCase()
    .replace(/^./, (first) => first.toUpperCase());
}

/** The error summary at the top of a form; its links move focus to the fields. */
export function ErrorSummary({ errors }: { errors: FormErrors | null }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors) ref.current?.focus();
  }, [errors]);
  if (!errors) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title" class="error-summary__title">
        There is a problem
      </h2>
      <p>{errors.message}</p>
      <ul class="error-summary__list">
        {errors.list.map((item) => (
          <li key={item.text}>
            {item.path ? (
              <a
                href={`#${fieldId(item.path)}`}
                onClick={(event) => {
                  event.preventDefault();
                  const target = document.getElementById(fieldId(item.path ?? ''));
                  target?.focus();
                  target?.scrollIntoView({ block: 'center' });
                }}
              >
                {item.text}
              </a>
            ) : (
              item.text
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

interface FieldProps {
  path: string;
  label: string;
  hint?: string;
  errors: FormErrors | null;
}

function FieldShell({
  path,
  label: text,
  hint,
  errors,
  children,
}: FieldProps & { children: ComponentChildren }) {
  const id = fieldId(path);
  const message = errors?.byField.get(path);
  return (
    <div class={`form-group${message ? ' form-group--error' : ''}`}>
      <label class="label" for={id}>
        {text}
      </label>
      {hint && (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {message && <ErrorMessage message={message} id={`${id}-error`} />}
      {children}
    </div>
  );
}

/** The attributes every control of a field shares: id, name, and its hint and error for assistive technology. */
function controlProps({ path, hint, errors }: FieldProps) {
  const id = fieldId(path);
  const invalid = errors?.byField.has(path) ?? false;
  const describedBy = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  return {
    id,
    name: path,
    'aria-describedby': describedBy || undefined,
    'aria-invalid': invalid ? ('true' as const) : undefined,
    invalidClass: invalid ? ' input--error' : '',
  };
}

export function TextField(
  props: FieldProps & {
    value: string;
    onInput: (value: string) => void;
    inputMode?: 'numeric' | 'decimal' | 'text';
    autoComplete?: string;
    width?: 'short' | 'full';
  },
) {
  const { invalidClass, ...control } = controlProps(props);
  return (
    <FieldShell {...props}>
      <input
        {...control}
        class={`input${props.width === 'short' ? ' input--short' : ''}${invalidClass}`}
        type="text"
        inputMode={props.inputMode}
        autoComplete={props.autoComplete ?? 'off'}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </FieldShell>
  );
}

export function TextArea(
  props: FieldProps & { value: string; onInput: (value: string) => void; rows?: number },
) {
  const { invalidClass, ...control } = controlProps(props);
  return (
    <FieldShell {...props}>
      <textarea
        {...control}
        class={`textarea${invalidClass}`}
        rows={props.rows ?? 4}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </FieldShell>
  );
}

export function SelectField(
  props: FieldProps & { value: string; onChange: (value: string) => void; options: readonly string[] },
) {
  const { invalidClass, ...control } = controlProps(props);
  return (
    <FieldShell {...props}>
      <select
        {...control}
        class={`select${invalidClass}`}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        <option value="">Choose…</option>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {label(option)}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** A fieldset of checkboxes or radios with its legend and error message. */
function ChoiceGroup(props: {
  path: string;
  legend: string;
  errors: FormErrors | null;
  children: ComponentChildren;
}) {
  const message = props.errors?.byField.get(props.path);
  return (
    <div class={`form-group${message ? ' form-group--error' : ''}`}>
      <fieldset class="fieldset" id={fieldId(props.path)} tabIndex={-1}>
        <legend class="fieldset__legend">{props.legend}</legend>
        {message && <ErrorMessage message={message} />}
        {props.children}
      </fieldset>
    </div>
  );
}

export function ErrorMessage({ message, id }: { message: string; id?: string }) {
  return (
    <p class="error-message" id={id}>
      <span class="visually-hidden">Error:</span> {message}
    </p>
  );
}

function Choice(props: {
  type: 'checkbox' | 'radio';
  id: string;
  name: string;
  checked: boolean;
  onChange: () => void;
  text: string;
}) {
  return (
    <div class={props.type}>
      <input
        type={props.type}
        id={props.id}
        name={props.name}
        checked={props.checked}
        onChange={props.onChange}
      />
      <label for={props.id}>{props.text}</label>
    </div>
  );
}

/** A checkbox group or a single checkbox. */
export function Checkboxes(props: {
  path: string;
  legend: string;
  options: readonly string[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  errors: FormErrors | null;
  optionLabel?: (option: string) => string;
}) {
  return (
    <ChoiceGroup path={props.path} legend={props.legend} errors={props.errors}>
      {props.options.map((option) => {
        const checked = props.selected.includes(option);
        return (
          <Choice
            key={option}
            type="checkbox"
            id={`${fieldId(props.path)}-${option}`}
            name={props.path}
            checked={checked}
            text={(props.optionLabel ?? label)(option)}
            onChange={() =>
              props.onChange(
                checked ? props.selected.filter((o) => o !== option) : [...props.selected, option],
              )
            }
          />
        );
      })}
    </ChoiceGroup>
  );
}

export function Radios(props: {
  path: string;
  legend: string;
  options: ReadonlyArray<readonly [string, string]>;
  value: string;
  onChange: (value: string) => void;
  errors: FormErrors | null;
}) {
  return (
    <ChoiceGroup path={props.path} legend={props.legend} errors={props.errors}>
      {props.options.map(([value, text]) => (
        <Choice
          key={value}
          type="radio"
          id={`${fieldId(props.path)}-${value}`}
          name={props.path}
          checked={props.value === value}
          text={text}
          onChange={() => props.onChange(value)}
        />
      ))}
    </ChoiceGroup>
  );
}

export function SummaryList({ rows }: { rows: ReadonlyArray<readonly [string, ComponentChildren]> }) {
  return (
    <dl class="summary-list">
      {rows.map(([key, value]) => (
        <div class="summary-list__row" key={key}>
          <dt class="summary-list__key">{key}</dt>
          <dd class="summary-list__value">{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Loads `load()` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const run = useCallback(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** What a failed load says, in words. */
export function LoadError({ error }: { error: unknown }) {
  const text =
    error instanceof ApiError
      ? error.status === 404
        ? 'Not found, or not visible to you.'
        : `${error.message} (${error.code})`
      : String(error);
  return (
    <div class="notification notification--error" role="alert">
      {text}
    </div>
  );
}

export function Button(props: {
  children: ComponentChildren;
  onClick?: () => void;
  type?: 'button' | 'submit';
  variant?: 'primary' | 'secondary' | 'warning';
  disabled?: boolean;
}) {
  return (
    <button
      type={props.type ?? 'button'}
      class={`button${props.variant && props.variant !== 'primary' ? ` button--${props.variant}` : ''}`}
      onClick={props.onClick}
      disabled={props.disabled}
    >
      {props.children}
    </button>
  );
}

/** A form of its own under a level-2 heading: its error summary (unless the page shows one), its fields, one submit button. */
export function FormSection(props: {
  id: string;
  heading: string;
  errors?: FormErrors | null;
  onSubmit: (event: Event) => void;
  submit: string;
  variant?: 'primary' | 'secondary';
  children: ComponentChildren;
}) {
  return (
    <section class="section" aria-labelledby={props.id}>
      <h2 class="heading-m" id={props.id}>
        {props.heading}
      </h2>
      <ErrorSummary errors={props.errors ?? null} />
      <form onSubmit={props.onSubmit} noValidate>
        {props.children}
        <Button type="submit" variant={props.variant}>
          {props.submit}
        </Button>
      </form>
    </section>
  );
}

/** A region that scrolls sideways on small screens: focusable, so the keyboard can scroll it too. */
export function Scroll({
  label: name,
  className = 'table-wrap',
  children,
}: {
  label: string;
  className?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class={className} tabIndex={0} aria-label={name}>
      {children}
    </section>
  );
}

export type Column<T> = readonly [heading: string, cell: (row: T) => ComponentChildren];

/** A table of `rows` with one column per `[heading, cell]`, in a keyboard-scrollable region. */
export function Table<T>(props: {
  caption: string;
  captionVisible?: boolean;
  columns: ReadonlyArray<Column<T>>;
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  testId?: string;
}) {
  return (
    <Scroll label={props.caption}>
      <table class="table" data-testid={props.testId}>
        <caption class={props.captionVisible ? 'table__caption' : 'visually-hidden'}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map(([heading]) => (
              <th scope="col" key={heading}>
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map(([heading, cell]) => (
                <td key={heading} data-label={heading}>
                  {cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** A loaded list as a table: its loading, error and empty states in words. */
export function LoadedTable<T>(props: {
  loaded: { data?: readonly T[] | undefined; error?: unknown; loading: boolean };
  empty: string;
  caption: string;
  columns: ReadonlyArray<Column<T>>;
  rowKey: (row: T) => string | number;
  testId?: string;
}) {
  const { data, error, loading } = props.loaded;
  if (error !== undefined) return <LoadError error={error} />;
  if (!data) return loading ? <Loading /> : null;
  if (data.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <Table
      caption={props.caption}
      columns={props.columns}
      rows={data}
      rowKey={props.rowKey}
      testId={props.testId}
    />
  );
}
