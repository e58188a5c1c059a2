import { useState } from 'preact/hooks';
import { ApiError, enc, get } from '../api.ts';
import {
  Button,
  ErrorSummary,
  type FormErrors,
  fieldError,
  formatDate,
  Loading,
  label,
  SummaryList,
  Tag,
  TextField,
  toFormErrors,
} from '../ui.tsx';

/** `GET /verify/{number}` as anyone sees it (with the verification code: parties, goods and the signed document). */
export interface Verification {
  licenceNumber: string;
  status: string;
  validFrom: string;
  validTo: string;
  checkedAt: string;
  exporter?: { name?: string; country?: string };
  consignee?: { name?: string; country?: string };
  endUser?: { name?: string; country?: string };
  goods?: Array<{
    element?: string;
    form?: string;
    controlCode?: string;
    quantityKg?: number;
    remainingQuantityKg?: number;
  }>;
  signed?: string;
}

export function VerifyPage({ number }: { number: string }) {
  const [licenceNumber, setLicenceNumber] = useState(number);
  const [code, setCode] = useState('');
  const [result, setResult] = useState<Verification | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setResult(null);
    setErrors(null);
    try {
      const query = code.trim() ? `?code=${enc(code.trim())}` : '';
      setResult(await get<Verification>(`/verify/${enc(licenceNumber.trim())}${query}`, { anonymous: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setErrors(
          fieldError(
            'No licence matches.',
            'licenceNumber',
            'No licence has this number (or the verification code is wrong)',
          ),
        );
      } else setErrors(toFormErrors(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1 class="heading-l">Verify a licence</h1>
      <p>
        Anyone can check whether a licence number is valid. With the holder's verification code you also see
        its parties and goods.
      </p>
      <ErrorSummary errors={errors} />
      <form onSubmit={check} noValidate>
        <TextField
          path="licenceNumber"
          label="Licence number"
          hint="For example EXL-2026-000042"
          value={licenceNumber}
          onInput={setLicenceNumber}
          errors={errors}
        />
        <TextField
          path="code"
          label="Verification code (optional)"
          value={code}
          onInput={setCode}
          errors={errors}
        />
        <Button type="submit" disabled={busy}>
          Check the licence
        </Button>
      </form>
      {busy && <Loading what="Checking" />}
      {result && (
        <section class="section" aria-labelledby="verification" data-testid="verification">
          <h2 class="heading-m" id="verification">
            Licence {result.licenceNumber}:{' '}
            <span data-testid="licence-status">{result.status === 'ACTIVE' ? 'valid' : 'not valid'}</span>
          </h2>
          <SummaryList
            rows={[
              ['Status', <Tag status={result.status} />],
              ['Valid from', formatDate(result.validFrom)],
              ['Valid to', formatDate(result.validTo)],
              ['Checked', formatDate(result.checkedAt)],
              ...(result.exporter
                ? ([
                    ['Exporter', `${result.exporter.name ?? ''} (${result.exporter.country ?? ''})`],
                  ] as const)
                : []),
              ...(result.consignee
                ? ([
                    ['Consignee', `${result.consignee.name ?? ''} (${result.consignee.country ?? ''})`],
                  ] as const)
                : []),
              ...(result.endUser
                ? ([['End user', `${result.endUser.name ?? ''} (${result.endUser.country ?? ''})`]] as const)
                : []),
              ...(result.goods
                ? ([
                    [
                      'Goods',
                      result.goods
                        .map(
                          (item) =>
                            `${label(item.element)} ${label(item.form)}: ${item.remainingQuantityKg ?? '?'} of ${item.quantityKg ?? '?'} kg left`,
                        )
                        .join('; '),
                    ],
                  ] as const)
                : []),
            ]}
          />
        </section>
      )}
    </>
  );
}
