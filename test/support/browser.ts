import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download). `.ci/run` installs it when
 * /usr/bin/chromium is missing; the tests that need it fail, never skip, without it.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VIEWPORTS = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
      '--disable-quic',
    ],
  });
}

/** Problems a page reports on its own: script errors, CSP violations, failed requests for its files. */
export interface PageProblems {
  list: string[];
}

export async function newPage(
  browser: Browser,
  viewport: { width: number; height: number } = VIEWPORTS.laptop,
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: PageProblems = { list: [] };
  page.on('pageerror', (error) => problems.list.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every 4xx answer as an error; the API's errors are part of the flows tested.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) {
      problems.list.push(`console: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP stays as it
 * is) and returns the serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  // A string, evaluated in the page: the test project's types have no DOM.
  const violations: AxeViolation[] = await page.evaluate(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
