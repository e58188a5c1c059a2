import { parseArgs } from 'node:util';
import { ensureConsoleBuilt } from './console.ts';
import { JAVA_REQUIRED_MESSAGE } from './dynamodb-local.ts';
import { localDataDir } from './jwt.ts';
import { type LocalStack, scaledClockRefusal, startLocalStack } from './stack.ts';

/**
 * `npm start`: the whole stack in this one process (DynamoDB Local is its only child), with
 * `--in-memory` for a throw-away run. The npm script `exec`s node in place of its shell, so the
 * SIGINT or SIGTERM that npm forwards (an IDE's stop button, `kill <npm pid>`) lands here: the
 * first stops every part, a second one — or one during start-up — exits at once (the child is
 * killed on exit).
 */
const { values } = parseArgs({ options: { 'in-memory': { type: 'boolean', default: false } } });

const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

const inMemory = values['in-memory'] === true;
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
  stack = await startLocalStack({
    port: port('PORT', 3000),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    sfnPort: port('SFN_PORT', 8083),
    dataDir: localDataDir(),
    inMemory,
  });
  console.log(`ready ${stack.url}`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message === JAVA_REQUIRED_MESSAGE ? message : `Could not start the local stack: ${message}`);
  process.exit(1);
}
