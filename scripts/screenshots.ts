/**
 * `npm run screenshots`: starts a throw-away local stack (in memory, free ports), fills it through
 * the REST API with a few applications in different states, and saves each main page of the web
 * console at 1280×800 and 390×844 under docs/images/ (`<page>-laptop.png`, `<page>-phone.png`).
 * Run it through npm, which sets POWERTOOLS_LOG_LEVEL=ERROR before the handlers' loggers load.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildConsole } from '../local/console.ts';
import { loadOrCreateSigningKeys, mintToken } from '../local/jwt.ts';
import { freePort } from '../local/ports.ts';
import { startLocalStack } from '../local/stack.ts';
import { launchChromium, newPage, VIEWPORTS } from '../test/support/browser.ts';
import { seedDemo } from './seed-demo.ts';

const OUT = new URL('../docs/images/', import.meta.url).pathname;

async function main(): Promise<void> {
  await buildConsole();
  const dataDir = await mkdtemp(join(tmpdir(), 'licence-screenshots-'));
  const stack = await startLocalStack({
    port: await freePort(),
    dynamodbPort: await freePort(),
    sfnPort: await freePort(),
    dataDir,
    inMemory: true,
  });
  const browser = await launchChromium();
  try {
    const keys = await loadOrCreateSigningKeys(dataDir);
    const token = (sub: string, org: string, groups: string[]) => mintToken(keys, { sub, org, groups });
    const seeded = await seedDemo(stack.url, token);
    await mkdir(OUT, { recursive: true });

    const shots: Array<{
      name: string;
      user: string | null;
      hash: string;
      ready?: (page: Page) => Promise<void>;
    }> = [
      {
        name: 'sign-in',
        user: null,
        hash: '#/sign-in',
        ready: (page) => page.getByText('Sign in as alice').waitFor(),
      },
      {
        name: 'applications',
        user: 'alice',
        hash: '#/applications',
        ready: (page) => page.locator('table').waitFor(),
      },
      {
        name: 'task-list',
        user: 'alice',
        hash: `#/applications/${seeded.draft}`,
        ready: (page) => page.locator('.task-list').waitFor(),
      },
      {
        name: 'section-errors',
        user: 'alice',
        hash: `#/applications/${seeded.draft}/exporter`,
        ready: async (page) => {
          await page.getByLabel('Country', { exact: true }).fill('China');
          await page.getByRole('button', { name: 'Save and continue' }).click();
          await page.locator('.error-summary').waitFor();
        },
      },
      {
        name: 'documents',
        user: 'alice',
        hash: `#/applications/${seeded.documents}/documents`,
        ready: (page) => page.locator('.drop-zone').waitFor(),
      },
      {
        name: 'check-answers',
        user: 'alice',
        hash: `#/applications/${seeded.documents}/submit`,
        ready: (page) => page.getByText('Declaration').first().waitFor(),
      },
      {
        name: 'information-request',
        user: 'alice',
        hash: `#/applications/${seeded.informationRequested}`,
        ready: (page) => page.getByText('Send answers').waitFor(),
      },
      {
        name: 'decision',
        user: 'alice',
        hash: `#/applications/${seeded.approved}`,
        ready: (page) => page.getByRole('heading', { name: 'Decision' }).waitFor(),
      },
      { name: 'queue', user: 'rita', hash: '#/queue', ready: (page) => page.locator('main h1').waitFor() },
      {
        name: 'case',
        user: 'rita',
        hash: `#/applications/${seeded.underReview}`,
        ready: (page) => page.getByRole('heading', { name: 'What you can do' }).waitFor(),
      },
      {
        name: 'operations',
        user: 'otto',
        hash: '#/ops',
        ready: (page) => page.getByTestId('ops-table').waitFor(),
      },
      {
        name: 'state-diagram',
        user: 'audrey',
        hash: `#/applications/${seeded.approved}`,
        ready: async (page) => {
          await page.getByTestId('state-diagram').waitFor();
          await page.getByRole('button', { name: 'Verify the audit chain' }).click();
          await page.getByTestId('audit-verification').waitFor();
          await page.getByRole('heading', { name: 'Workflow' }).scrollIntoViewIfNeeded();
        },
      },
      {
        name: 'licence',
        user: 'alice',
        hash: `#/licences/${seeded.licenceNumber ?? ''}`,
        ready: (page) => page.getByTestId('usage').waitFor(),
      },
      {
        name: 'licence-customs',
        user: 'cora',
        hash: `#/licences/${seeded.licenceNumber ?? ''}`,
        ready: (page) => page.getByRole('heading', { name: 'Record usage' }).waitFor(),
      },
      {
        name: 'licence-authority',
        user: 'sam',
        hash: `#/licences/${seeded.licenceNumber ?? ''}`,
        ready: (page) => page.getByRole('heading', { name: 'Suspend' }).waitFor(),
      },
      {
        name: 'appeal',
        user: 'alice',
        hash: `#/applications/${seeded.denied}`,
        ready: (page) => page.getByTestId('appeal-deadline').waitFor(),
      },
      {
        name: 'decide-appeal',
        user: 'sam',
        hash: `#/applications/${seeded.appealed}`,
        ready: async (page) => {
          await page.getByLabel('Overturned').check();
          await page.getByLabel('Corrected end user type').waitFor();
        },
      },
      { name: 'stats', user: null, hash: '#/stats', ready: (page) => page.locator('main h1').waitFor() },
      {
        name: 'verify',
        user: null,
        hash: `#/verify/${seeded.licenceNumber ?? ''}`,
        ready: async (page) => {
          await page.getByLabel('Verification code (optional)').fill(seeded.verificationCode ?? '');
          await page.getByRole('button', { name: 'Check the licence' }).click();
          await page.getByTestId('signature').filter({ hasText: 'Signature valid' }).waitFor();
        },
      },
    ];
    // `npm run screenshots -- stats case` takes only those pages.
    const only = process.argv.slice(2);
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      for (const shot of shots.filter((candidate) => only.length === 0 || only.includes(candidate.name))) {
        const { page, context } = await newPage(browser, viewport);
        if (shot.user) {
          await page.goto(`${stack.url}/#/sign-in`);
          await page.getByRole('button', { name: `Sign in as ${shot.user}` }).click();
          await page.getByTestId('signed-in-as').waitFor();
        }
        await page.goto(`${stack.url}/${shot.hash}`);
        await page.locator('main h1').waitFor();
        await shot.ready?.(page);
        const file = join(OUT, `${shot.name}-${size}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(file);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
