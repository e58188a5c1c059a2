import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '#local/console.ts';
import { mintToken } from '#local/jwt.ts';
import { completeDetails, readyToSubmit, SUBMIT_BODY } from '../support/api.ts';
import {
  type AxeViolation,
  launchChromium,
  newPage,
  type PageProblems,
  seriousViolations,
  VIEWPORTS,
} from '../support/browser.ts';
import { approvedByRita, completion, eventually, useWorkflowStack } from '../support/stack.ts';

/**
 * The web console in a real browser (Debian's Chromium) against the real local stack: DynamoDB
 * Local, the local Step Functions endpoint running the ASL, the stream poller and the API server
 * serving the built console. Every page visited is checked with axe-core.
 */
const fixture = useWorkflowStack('Console');
let browser: Browser;
const axeResults = new Map<string, AxeViolation[]>();

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function signInAs(page: Page, user: string): Promise<void> {
  await page.goto(`${fixture.stack.url}/#/sign-in`);
  await page.getByRole('button', { name: `Sign in as ${user}` }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: user }).waitFor();
}

/** axe-core on the page as it is now: no serious or critical violation. */
async function accessible(page: Page, name: string): Promise<void> {
  await page.locator('main h1').first().waitFor();
  const violations = await seriousViolations(page);
  axeResults.set(name, violations);
  expect(violations, `${name}: ${JSON.stringify(violations)}`).toEqual([]);
}

/** Reloads the application page until its status tag says `status`. */
async function statusShown(page: Page, status: string): Promise<void> {
  await eventually(
    async () => {
      await page.reload();
      const tag = page.getByTestId('status');
      await tag.waitFor();
      return (await tag.innerText()).trim() === status ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 300, what: `status "${status}" on the page` },
  );
}

async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(fields))
    await page.getByLabel(label, { exact: true }).fill(value);
}

async function section(page: Page, id: string, link: string, act: () => Promise<void>): Promise<void> {
  await page.goto(`${fixture.stack.url}/#/applications/${id}`);
  await page.getByRole('link', { name: link, exact: true }).first().click();
  await act();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByTestId('status').waitFor();
}

/** The scripts index.html loads before any lazy import: the entry and its module preloads. */
async function initialScripts(): Promise<string[]> {
  const html = await readFile(join(CONSOLE_DIST, 'index.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1] ?? '');
}

describe('the built console', () => {
  it('loads at most 200 KB of gzipped JavaScript at first, without zod, and the diagram and jose lazily', async () => {
    const scripts = await initialScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const contents = await Promise.all(scripts.map((file) => readFile(join(CONSOLE_DIST, file))));
    const gzipBytes = contents.reduce((sum, content) => sum + gzipSync(content).length, 0);
    expect(gzipBytes).toBeLessThanOrEqual(200 * 1024);
    const all = await readdir(join(CONSOLE_DIST, 'assets'));
    for (const file of all.filter((name) => name.endsWith('.js'))) {
      // zod's error map and issue codes: none of it reaches the browser.
      expect(await readFile(join(CONSOLE_DIST, 'assets', file), 'utf8')).not.toMatch(
        /invalid_union_discriminator|ZodError/,
      );
    }
    // The state diagram's chunk (dagre and the ASL) and the signature check's (jose) are not among the initial scripts.
    for (const chunk of ['workflow-', 'signature-']) {
      const lazy = all.filter((name) => name.startsWith(chunk) && name.endsWith('.js'));
      expect(lazy).toHaveLength(1);
      expect(scripts).not.toContain(`assets/${lazy[0]}`);
    }
    console.info(`initial JavaScript: ${scripts.join(', ')} = ${gzipBytes} bytes gzip`);
  });
});

describe('the web console', () => {
  // One long story through four browsers; under a loaded machine it needs more than the default minute.
  it('takes an application from draft to licence: applicant, reviewer, operator and auditor each in their pages', {
    timeout: 150_000,
  }, async () => {
    const problems: PageProblems[] = [];
    const alice = await newPage(browser);
    problems.push(alice.problems);
    const { page } = alice;

    // Applicant: sign in, start a draft.
    await signInAs(page, 'alice');
    await accessible(page, 'applications (applicant)');
    await page.getByRole('link', { name: 'Start a new application' }).click();
    await page.getByRole('heading', { name: 'Apply for an export licence' }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    expect(id).toMatch(/^app_/);
    await accessible(page, 'application task list');

    // A wrong country comes back from the API and is shown next to its field.
    await page.getByRole('link', { name: 'Exporter', exact: true }).click();
    await fill(page, { 'Exporter name': 'Baotou Magnetics', Country: 'China' });
    await page.getByRole('button', { name: 'Save and continue' }).click();
    const countryError = page.locator('#f-exporter-country-error');
    await countryError.waitFor();
    expect(await countryError.innerText()).toContain('ISO 3166-1 alpha-2');
    expect(await page.getByRole('alert').first().innerText()).toContain('There is a problem');
    await accessible(page, 'section form with errors');
    await page.getByLabel('Country', { exact: true }).fill('CN');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByTestId('status').waitFor();
    // The live completeness check: what the API says complete-details still needs, after each save.
    await page.getByTestId('task-exporter').filter({ hasText: 'Completed' }).waitFor();
    await page.getByTestId('task-goods').filter({ hasText: 'Not started' }).waitFor();
    await page
      .getByTestId('completeness')
      .getByRole('link', { name: 'Goods at least one goods item is required' })
      .waitFor();

    await section(page, id, 'Goods', async () => {
      await page
        .getByTestId('section-missing')
        .getByText('Goods at least one goods item is required')
        .waitFor();
      await page.getByLabel('Description', { exact: true }).fill('NdFeB magnets with dysprosium');
      await page.getByLabel('Element', { exact: true }).selectOption('DYSPROSIUM');
      await page.getByLabel('Form', { exact: true }).selectOption('MAGNET');
      await fill(page, { 'Control code': '1C999', 'Quantity (kg)': '120.5', 'Value (USD)': '250000' });
    });
    await section(page, id, 'Consignee', () =>
      fill(page, { Name: 'Motorenwerk GmbH', Country: 'DE', Address: 'Industriestr. 1, Stuttgart' }),
    );
    await section(page, id, 'End user', async () => {
      await fill(page, { Name: 'Motorenwerk GmbH', Country: 'DE', Address: 'Industriestr. 1, Stuttgart' });
      await page.getByLabel('Type of end user').selectOption('COMMERCIAL');
    });
    await section(page, id, 'End use', async () => {
      await page.getByLabel('What will the goods be used for?').fill('Electric vehicle traction motors');
      await page.getByLabel('No', { exact: true }).check();
    });
    await page.getByTestId('completeness').getByRole('heading', { name: 'Nothing is missing' }).waitFor();
    await page.getByRole('button', { name: 'Complete details' }).click();
    await page.getByTestId('status').filter({ hasText: 'End user docs' }).waitFor();
    await page.getByTestId('task-documents').filter({ hasText: '0 uploaded, 3 still required' }).waitFor();

    // Documents: one dropped on the drop zone, two chosen; the sha256 is shown before and after upload.
    await page.getByRole('link', { name: 'Documents', exact: true }).click();
    await accessible(page, 'documents');
    const contract = pdf('contract');
    // A DataTransfer made in the page (the test project's types have no DOM, hence the string).
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      const bytes = Uint8Array.from(atob('${contract.toString('base64')}'), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], 'contract.pdf', { type: 'application/pdf' }));
      return transfer;
    })()`);
    await page.getByLabel('Type of document').selectOption('CONTRACT');
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await page
      .getByTestId('picked-sha256')
      .filter({ hasText: sha256(contract) })
      .waitFor();
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('documents').getByText(sha256(contract)).waitFor();
    for (const type of ['END_USER_CERTIFICATE', 'END_USE_STATEMENT']) {
      await page.getByLabel('Type of document').selectOption(type);
      await page
        .getByLabel(/^File/)
        .setInputFiles({ name: `${type}.pdf`, mimeType: 'application/pdf', buffer: pdf(type) });
      await page
        .getByTestId('picked-sha256')
        .filter({ hasText: sha256(pdf(type)) })
        .waitFor();
      await page.getByRole('button', { name: 'Upload' }).click();
      await page
        .getByTestId('documents')
        .getByText(sha256(pdf(type)))
        .waitFor();
    }

    // Check answers, declaration, submit; screening moves it under review.
    await page.getByRole('link', { name: 'Back to the application' }).click();
    await page
      .getByTestId('completeness')
      .getByText('Everything is in: check your answers and submit.')
      .waitFor();
    await page.getByRole('link', { name: 'Check your answers and submit' }).click();
    await accessible(page, 'check answers and submit');
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.locator('#f-declaration-accurate').filter({ hasText: 'Error' }).waitFor();
    await page
      .getByLabel('I confirm that the information in this application is accurate and complete')
      .check();
    await page.getByLabel('Your full name').fill('Alice Compliance');
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.getByTestId('status').waitFor();
    await statusShown(page, 'Under review');

    // Reviewer: claims the case, asks for information.
    const rita = await newPage(browser);
    problems.push(rita.problems);
    await signInAs(rita.page, 'rita');
    await rita.page.getByTestId('queue').getByRole('link', { name: id }).waitFor();
    await accessible(rita.page, 'queue (reviewer)');
    await rita.page.getByRole('button', { name: 'Claim next case' }).click();
    await rita.page.waitForURL(new RegExp(`#/applications/${id}$`));
    await rita.page.getByRole('heading', { name: 'Request information' }).waitFor();
    await accessible(rita.page, 'case page (reviewer)');
    await rita.page.getByLabel('Questions (one per line)').fill('Who installs the motors?');
    await rita.page.getByRole('button', { name: 'Request information' }).click();
    await rita.page.getByTestId('status').filter({ hasText: 'Information requested' }).waitFor();

    // Applicant answers.
    await statusShown(page, 'Information requested');
    await accessible(page, 'information request (applicant)');
    await page.getByLabel('Answer to question 1').fill('Motorenwerk’s own plant in Stuttgart.');
    await page.getByRole('button', { name: 'Send answers' }).click();
    await statusShown(page, 'Under review');

    // Reviewer approves.
    await statusShown(rita.page, 'Under review');
    await rita.page.getByLabel('Validity in months (1 to 36)').fill('12');
    await rita.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await rita.page.getByTestId('status').filter({ hasText: 'Approved' }).waitFor();

    // Applicant sees the decision and the licence.
    await statusShown(page, 'Approved');
    await page.getByRole('heading', { name: /^Licence / }).waitFor();
    await accessible(page, 'decision and licence (applicant)');

    // Operator: the application in the executions table; its diagram highlights the current state.
    const otto = await newPage(browser);
    problems.push(otto.problems);
    await signInAs(otto.page, 'otto');
    await otto.page.getByTestId('ops-table').getByRole('link', { name: id }).waitFor();
    await accessible(otto.page, 'operations');
    await otto.page.getByTestId('ops-table').getByRole('link', { name: id }).click();
    const current = await eventually(
      async () => {
        await otto.page.getByRole('button', { name: 'Refresh the workflow' }).click();
        await otto.page.getByTestId('state-diagram').waitFor();
        const state = (await otto.page.getByTestId('current-state').innerText()).trim();
        return state === 'Approved' ? state : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300, what: 'the execution to reach Approved' },
    );
    const node = otto.page.locator(`[data-testid="state-diagram"] [data-state="${current}"]`);
    expect(await node.getAttribute('class')).toContain('state--current');
    for (const visited of ['Draft', 'EndUserDocs', 'Screening', 'UnderReview', 'InformationRequested']) {
      expect(await otto.page.locator(`[data-state="${visited}"]`).getAttribute('class')).toContain(
        'state--visited',
      );
    }
    expect(await otto.page.locator('[data-state="Denied"]').getAttribute('class')).not.toContain(
      'state--visited',
    );
    expect(await otto.page.locator('.edge--visited').count()).toBeGreaterThan(4);
    await accessible(otto.page, 'application with state diagram (operator)');
    // The old ops page's address opens the console's operations page.
    await otto.page.goto(`${fixture.stack.url}/ops`);
    await otto.page.waitForURL(/\/#\/ops$/);
    await otto.page.getByTestId('ops-table').waitFor();
    // Recent domain events (GET /events), newest first: the approval of this application among them.
    await eventually(
      async () => {
        await otto.page.getByRole('button', { name: 'Refresh the events' }).click();
        const row = otto.page
          .getByTestId('events')
          .locator('tr', { hasText: id })
          .filter({ hasText: 'Approve' });
        return (await row.count()) > 0 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the approve event on the operations page' },
    );
    await otto.page.getByRole('button', { name: 'Reconcile now' }).click();
    expect(await otto.page.getByTestId('reconcile-result').innerText()).toMatch(
      /^Checked \d+; repaired \d+\.$/,
    );

    // Auditor: the audit chain verifies.
    const audrey = await newPage(browser);
    problems.push(audrey.problems);
    await signInAs(audrey.page, 'audrey');
    await audrey.page.goto(`${fixture.stack.url}/#/applications/${id}`);
    await audrey.page.getByRole('button', { name: 'Verify the audit chain' }).click();
    const verification = audrey.page.getByTestId('audit-verification');
    await verification.waitFor();
    expect(await verification.innerText()).toMatch(/^valid: \d+ events/);

    // The public: the licence is valid, and its signed document checks out in the browser.
    const { licence } = (await fixture.people.alice.get(`/applications/${id}`)).body;
    const { verificationCode } = (await fixture.people.alice.get(`/licences/${licence.licenceNumber}`)).body;
    // Operator: the licence without its usage (operators see no values), and the usage never asked for.
    const usageRequests: string[] = [];
    otto.page.on('request', (request) => {
      if (request.url().endsWith('/usage')) usageRequests.push(request.url());
    });
    await otto.page.goto(`${fixture.stack.url}/#/licences/${licence.licenceNumber}`);
    await otto.page.getByText('not to operators').waitFor();
    expect(await otto.page.getByTestId('licence-status').innerText()).toMatch(/active/i);
    expect(usageRequests).toEqual([]);
    const visitor = await newPage(browser);
    problems.push(visitor.problems);
    await visitor.page.goto(`${fixture.stack.url}/#/verify/${licence.licenceNumber}`);
    await visitor.page.getByLabel('Verification code (optional)').fill(verificationCode);
    await visitor.page.getByRole('button', { name: 'Check the licence' }).click();
    expect(await visitor.page.getByTestId('licence-status').innerText()).toBe('valid');
    const signature = visitor.page.getByTestId('signature');
    await signature.filter({ hasText: 'Signature valid' }).waitFor();
    expect(await signature.innerText()).toContain(licence.licenceNumber);
    await accessible(visitor.page, 'verify with the signature check (public)');
    // A document changed after signing (one character of its payload) does not verify.
    const { signed } = (
      await fixture.people.alice.get(`/verify/${licence.licenceNumber}?code=${verificationCode}`)
    ).body;
    const [header, payload, mac] = signed.split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...forged, status: 'ACTIVE', validTo: '2099-12-31T00:00:00Z' })).toString(
        'base64url',
      ),
      mac,
    ].join('.');
    await visitor.page.getByLabel('Signed document (compact JWS)').fill(tampered);
    await visitor.page.getByRole('button', { name: 'Check the signature' }).click();
    await visitor.page.getByTestId('signature').filter({ hasText: 'Signature not valid' }).waitFor();
    await visitor.page.getByLabel('Signed document (compact JWS)').fill(signed);
    await visitor.page.getByRole('button', { name: 'Check the signature' }).click();
    await visitor.page.getByTestId('signature').nth(1).filter({ hasText: 'Signature valid' }).waitFor();

    expect(problems.flatMap((found) => found.list)).toEqual([]);
    for (const opened of [alice, rita, otto, audrey, visitor]) await opened.context.close();
  });

  it('signs in with a pasted token and answers an unreadable one next to the field', async () => {
    const { page, context, problems } = await newPage(browser, VIEWPORTS.phone);
    await page.goto(`${fixture.stack.url}/#/sign-in`);
    await accessible(page, 'sign-in');
    await page.getByLabel('ID token').fill('not a token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#f-token-error').waitFor();
    const token = await mintToken(fixture.stack.keys, {
      sub: 'rita',
      org: 'authority',
      groups: ['reviewer'],
    });
    await page.getByLabel('ID token').fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: 'rita' }).waitFor();
    expect(problems.list).toEqual([]);
    await context.close();
  });
});

describe('licences, appeals and amendments in the console', () => {
  it('customs records usage, the holder sees what remains and amends, a senior reviewer suspends and revokes', {
    timeout: 120_000,
  }, async () => {
    const { alice } = fixture.people;
    const id = await readyToSubmit(alice, completeDetails());
    const { application } = await approvedByRita(fixture.people, id);
    const number = (application.licence as { licenceNumber: string }).licenceNumber;
    const problems: PageProblems[] = [];

    // Customs: finds the licence by number and records a shipment; too much is refused at its field.
    const cora = await newPage(browser);
    problems.push(cora.problems);
    await signInAs(cora.page, 'cora');
    await cora.page.getByLabel('Licence number').fill(number);
    await cora.page.getByRole('button', { name: 'Open the licence' }).click();
    await cora.page.getByRole('heading', { name: 'Record usage' }).waitFor();
    await accessible(cora.page, 'licence (customs)');
    await cora.page.getByLabel('Customs declaration reference').fill('DE-ATLAS-0001');
    await cora.page.getByLabel('Quantity shipped (kg), item 1').fill('20.5');
    await cora.page.getByLabel('Value shipped (USD), item 1').fill('40000');
    await cora.page.getByRole('button', { name: 'Record usage' }).click();
    await cora.page.getByTestId('usage').getByText('DE-ATLAS-0001').waitFor();
    await cora.page.getByLabel('Customs declaration reference').fill('DE-ATLAS-0002');
    await cora.page.getByLabel('Quantity shipped (kg), item 1').fill('500');
    await cora.page.getByLabel('Value shipped (USD), item 1').fill('1');
    await cora.page.getByRole('button', { name: 'Record usage' }).click();
    expect(await cora.page.locator('#f-items-0-quantityKg-error').innerText()).toContain('only 100 kg');

    // The holder: remaining quantity and value, the usage, the code; amend opens the new draft.
    const holder = await newPage(browser, VIEWPORTS.phone);
    problems.push(holder.problems);
    await signInAs(holder.page, 'alice');
    await holder.page.goto(`${fixture.stack.url}/#/licences/${number}`);
    const goods = holder.page.getByTestId('licence-goods');
    await goods.getByText('100 kg', { exact: true }).waitFor();
    await goods.getByText('210,000 USD', { exact: true }).waitFor();
    await holder.page.getByTestId('usage').getByText('DE-ATLAS-0001').waitFor();
    expect(await holder.page.getByTestId('verification-code').innerText()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await accessible(holder.page, 'licence (holder)');
    await holder.page.getByRole('button', { name: 'Amend', exact: true }).click();
    await holder.page.waitForURL(/#\/applications\/app_/);
    await holder.page.getByTestId('status').filter({ hasText: 'Draft' }).waitFor();
    const draftId = decodeURIComponent(new URL(holder.page.url()).hash.split('/')[2] ?? '');
    expect((await alice.get(`/applications/${draftId}`)).body.amends).toBe(number);

    // A senior reviewer suspends with a coded reason; they may not reinstate their own suspension; revoke.
    const sam = await newPage(browser);
    problems.push(sam.problems);
    await signInAs(sam.page, 'sam');
    await sam.page.goto(`${fixture.stack.url}/#/licences/${number}`);
    await sam.page.locator('form[data-action="suspend"]').getByLabel('Breach of conditions').check();
    await sam.page
      .locator('form[data-action="suspend"]')
      .getByLabel('Note (optional)')
      .fill('Audit found re-export.');
    await sam.page.getByRole('button', { name: 'Suspend', exact: true }).click();
    await sam.page.getByTestId('licence-status').filter({ hasText: 'Suspended' }).waitFor();
    expect(await sam.page.locator('form[data-action="reinstate"]').count()).toBe(0);
    await accessible(sam.page, 'licence (senior reviewer)');
    await sam.page.locator('form[data-action="revoke"]').getByLabel('Sanctions').check();
    await sam.page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await sam.page.getByTestId('licence-status').filter({ hasText: 'Revoked' }).waitFor();

    expect(problems.flatMap((found) => found.list)).toEqual([]);
    for (const opened of [cora, holder, sam]) await opened.context.close();
  });

  it('the applicant appeals a screening refusal; a senior reviewer overturns it with a correction', {
    timeout: 120_000,
  }, async () => {
    const { alice } = fixture.people;
    const military = completeDetails({
      endUser: { name: 'Technische Hochschule Labor', country: 'DE', address: '1 Campus', type: 'MILITARY' },
    });
    const id = await readyToSubmit(alice, military);
    expect((await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY)).status).toBe(200);
    await completion(fixture.people, id, 'DENIED');
    const problems: PageProblems[] = [];

    const applicant = await newPage(browser);
    problems.push(applicant.problems);
    await signInAs(applicant.page, 'alice');
    await applicant.page.goto(`${fixture.stack.url}/#/applications/${id}`);
    expect(await applicant.page.getByTestId('appeal-deadline').innerText()).toMatch(/until \d+ \w+ \d{4}/);
    await accessible(applicant.page, 'appeal form (applicant)');
    await applicant.page.getByRole('button', { name: 'Appeal', exact: true }).click();
    await applicant.page.locator('#f-grounds-error').waitFor();
    await applicant.page
      .getByLabel('Grounds of appeal')
      .fill('The laboratory is civilian; the type was chosen in error.');
    await applicant.page.getByRole('button', { name: 'Appeal', exact: true }).click();
    await applicant.page.getByTestId('status').filter({ hasText: 'Appealed' }).waitFor();
    await applicant.page.getByRole('link', { name: 'Add documents that support the appeal' }).waitFor();

    const sam = await newPage(browser);
    problems.push(sam.problems);
    await signInAs(sam.page, 'sam');
    await sam.page.goto(`${fixture.stack.url}/#/applications/${id}`);
    await statusShown(sam.page, 'Appealed');
    await sam.page.getByRole('heading', { name: 'Decide appeal' }).waitFor();
    await sam.page.getByLabel('Overturned').check();
    await sam.page
      .getByLabel('Note', { exact: true })
      .fill('The end user is a civilian university laboratory.');
    await sam.page.getByLabel('Corrected end user type').selectOption('RESEARCH');
    await accessible(sam.page, 'decide appeal (senior reviewer)');
    await sam.page.getByRole('button', { name: 'Decide appeal' }).click();
    await sam.page.getByTestId('status').filter({ hasNotText: 'Appealed' }).waitFor();
    const decided = await eventually(
      async () => {
        const { body } = await alice.get(`/applications/${id}`);
        return body.status === 'UNDER_REVIEW' ? body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300, what: 'the corrected application back under review' },
    );
    expect(decided.endUser.type).toBe('RESEARCH');
    expect(decided.appeal.outcome).toBe('OVERTURNED');

    expect(problems.flatMap((found) => found.list)).toEqual([]);
    for (const opened of [applicant, sam]) await opened.context.close();
  });
});

describe('POST /ops/reconcile', () => {
  it('runs the reconciler for an operator and answers what it checked and repaired; others get 403', async () => {
    const { otto, rita } = fixture.people;
    const response = await otto.post('/ops/reconcile', {});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      checked: expect.any(Number),
      started: expect.any(Number),
      woken: expect.any(Number),
      repaired: expect.any(Array),
      licencesExpired: expect.any(Array),
    });
    expect((await rita.post('/ops/reconcile', {})).body.error.code).toBe('FORBIDDEN');
    expect((await otto.post('/ops/reconcile', { extra: true })).status).toBe(400);
  });
});
