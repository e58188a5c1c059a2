import { parseArgs } from 'node:util';
import { JAVA_REQUIRED_MESSAGE } from './dynamodb-local.ts';
import { localDataDir } from './jwt.ts';
import { startLocalStack } from './stack.ts';

/** `npm start`: the whole stack on this machine; `--in-memory` for a throw-away run. */
const { values } = parseArgs({ options: { 'in-memory': { type: 'boolean', default: false } } });

const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

try {
  const stack = await startLocalStack({
    port: port('PORT', 3000),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    sfnPort: port('SFN_PORT', 8083),
    dataDir: localDataDir(),
    inMemory: values['in-memory'] === true,
  });
  const shutdown = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  console.log(`ready ${stack.url}`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message === JAVA_REQUIRED_MESSAGE ? message : `Could not start the local stack: ${message}`);
  process.exit(1);
}
