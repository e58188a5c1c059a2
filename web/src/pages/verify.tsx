import { useEffect, useState } from 'preact/hooks';
import { ApiError, enc, get } from '../api.ts';
import type { Verification } from '../types.ts';
import {
  Button,
  ErrorSummary,
  type FormErrors,
  FormSection,
  fieldError,
  formatDate,
  Loading,
  label,
  SummaryList,
  Tag,
  TextArea,
  TextField,
  toFormErrors,
} from '../ui.tsx';
import type { SignatureCheck } from './signature.ts';

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
          {result.signed && <Signature signed={result.signed} expected={result} />}
        </section>
      )}
      <PastedDocument />
    </>
  );
}

/** jose and the check load only when a signed document is there to check. */
const check = (signed: string): Promise<SignatureCheck> =>
  import('./signature.ts').then(({ checkSignature }) => checkSignature(signed));

/** The signed document of the answer, checked in the browser against the authority's keys. */
function Signature({ signed, expected }: { signed: string; expected: Verification }) {
  const [result, setResult] = useState<SignatureCheck | null>(null);
  useEffect(() => {
    let current = true;
    setResult(null);
    void check(signed).then((checked) => current && setResult(checked));
    return () => {
      current = false;
    };
  }, [signed]);
  if (!result) return <Loading what="Checking the signature" />;
  return <SignatureResult result={result} expected={expected} />;
}

function SignatureResult({ result, expected }: { result: SignatureCheck; expected?: Verification }) {
  if (!result.valid) {
    return (
      <div class="notification notification--error" data-testid="signature">
        <p class="notification__heading">Signature not valid</p>
        <p>This document cannot be trusted: {result.reason}.</p>
      </div>
    );
  }
  const { payload } = result;
  const signedAt = payload.iat === undefined ? null : new Date(payload.iat * 1000).toISOString();
  const differs =
    expected !== undefined &&
    (payload.licenceNumber !== expected.licenceNumber || payload.status !== expected.status);
  return (
    <div class="notification notification--success" data-testid="signature">
      <p class="notification__heading">Signature valid</p>
      <p>
        Checked in your browser against the authority's published keys (key{' '}
        <code class="hash">{result.kid ?? 'without id'}</code>). The signature proves the document as of{' '}
        {formatDate(signedAt)}; only the online check above proves its status today.
      </p>
      <SummaryList
        rows={[
          ['Signed licence', payload.licenceNumber ?? '—'],
          ['Signed status', <Tag status={payload.status} />],
          ['Holder', payload.holderOrg ?? '—'],
          ['Valid', `${formatDate(payload.validFrom)} to ${formatDate(payload.validTo)}`],
        ]}
      />
      {differs && (
        <p class="text-error" data-testid="signature-differs">
          The signed document does not match the licence shown above.
        </p>
      )}
    </div>
  );
}

/** A signed document from elsewhere (a printout, an e-mail), checked without asking the API about it. */
function PastedDocument() {
  const [signed, setSigned] = useState('');
  const [result, setResult] = useState<SignatureCheck | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const run = async (event: Event) => {
    event.preventDefault();
    setResult(null);
    if (signed.trim() === '') {
      setErrors(fieldError('There is no document to check.', 'signed', 'Paste the signed document'));
      return;
    }
    setErrors(null);
    setResult(await check(signed));
  };
  return (
    <>
      <FormSection
        id="check-document"
        heading="Check a signed licence document"
        errors={errors}
        onSubmit={run}
        submit="Check the signature"
        variant="secondary"
      >
        <TextArea
          path="signed"
          label="Signed document (compact JWS), as printed on the licence or given by the holder"
          value={signed}
          onInput={setSigned}
          errors={errors}
          rows={4}
        />
      </FormSection>
      {result && <SignatureResult result={result} />}
    </>
  );
}
