import { parseArgs } from 'node:util';
import { clock } from '#adapters/clock.ts';
import { ensureConsoleBuilt } from './console.ts';
import { JAVA_REQUIRED_MESSAGE } from './dynamodb-local.ts';
import { loadOrCreateSigningKeys, localDataDir, mintToken } from './jwt.ts';
import { type LocalStack, scaledClockRefusal, startLocalStack } from './stack.ts';

/**
 * `npm start`: the whole stack in this one process (DynamoDB Local is its only child), with
 * `--in-memory` for a throw-away run. The npm script `exec`s node in place of its shell, so the
 * SIGINT or SIGTERM that npm forwards (an IDE's stop button, `kill <npm pid>`) lands here: the
 * first stops every part, a second one — or one during start-up — exits at once (the child is
 * killed on exit).
 *
 * `npm run seed` is this with `--in-memory --seed-demo`: the clock starts `--weeks` back, a demo
 * population of `--applications` cases is driven through the API day by day up to now, and the
 * stack keeps serving it.
 */
const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    'seed-demo': { type: 'boolean', default: false },
    applications: { type: 'string', default: '200' },
    weeks: { type: 'string', default: '12' },
    'random-seed': { type: 'string', default: '1' },
  },
});

const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

const whole = (name: 'applications' | 'weeks' | 'random-seed', min: number, max: number): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got "${values[name]}"`);
    process.exit(2);
  }
  return value;
};

const inMemory = values['in-memory'] === true;
const seedDemo = values['seed-demo'] === true;
const population = {
  applications: whole('applications', 1, 5_000),
  weeks: whole('weeks', 1, 52),
  seed: whole('random-seed', 0, 2 ** 32 - 1),
};
if (seedDemo && !inMemory) {
  console.error(
    '--seed-demo writes weeks of simulated history: run it with --in-memory (npm run seed does).',
  );
  process.exit(2);
}
const refusal = scaledClockRefusal(inMemory);
if (refusal !== undefined) {
  console.error(refusal);
  process.exit(2);
}

let stack: LocalStack | undefined;
let stopping = false;
const shutdown = () => {
  if (stopping || stack === undefined) process.exit(1);
  stopping = true;
  stack.stop().finally(() => process.exit(0));
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);

try {
  // A fresh clone has no web/dist yet; an edited console is rebuilt.
  if (await ensureConsoleBuilt()) console.log('built the web console (web/dist)');
  // Set back before anything is scheduled; the seed moves it forward to now.
  if (seedDemo) clock.startAt(new Date(Date.now() - population.weeks * 7 * 86_400_000));
  stack = await startLocalStack({
    port: port('PORT', 3000),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    sfnPort: port('SFN_PORT', 8083),
    dataDir: localDataDir(),
    inMemory,
  });
  if (seedDemo) await seed(stack.url);
  console.log(`ready ${stack.url}`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message === JAVA_REQUIRED_MESSAGE ? message : `Could not start the local stack: ${message}`);
  process.exit(1);
}

async function seed(url: string): Promise<void> {
  const { seedPopulation } = await import('../scripts/seed-demo.ts');
  const keys = await loadOrCreateSigningKeys(localDataDir());
  const started = Date.now();
  console.log(`seeding ${population.applications} applications over ${population.weeks} simulated weeks…`);
  const seeded = await seedPopulation(
    url,
    (sub, org, groups) => mintToken(keys, { sub, org, groups }),
    clock,
    population,
  );
  const behind = Date.now() - clock.now().getTime();
  if (behind > 0) clock.advanceBy(behind);
  const byStatus = new Map<string, number>();
  for (const { status } of seeded) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  console.log(
    `seeded in ${Math.round((Date.now() - started) / 1000)} s: ${[...byStatus].map(([status, count]) => `${status} ${count}`).join(', ')}`,
  );
  console.log(`try: npm run ops -- queue · npm run ops -- stats · curl ${url}/stats`);
}
