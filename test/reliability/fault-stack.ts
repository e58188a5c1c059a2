import { startLocalStack } from '#local/stack.ts';

/**
 * The local stack as its own process for the fault runs (test/reliability/faults.test.ts), which
 * kill it with SIGKILL and start it again: file-backed Step Functions and stream checkpoints under
 * FAULT_DATA_DIR, the suite's DynamoDB Local (durable, as DynamoDB is on AWS), fixed ports.
 */
const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

await startLocalStack({
  port: Number(required('FAULT_PORT')),
  sfnPort: Number(required('FAULT_SFN_PORT')),
  dynamodbPort: 0,
  dynamodbEndpoint: required('FAULT_DYNAMODB_ENDPOINT'),
  dataDir: required('FAULT_DATA_DIR'),
  tablePrefix: required('FAULT_TABLE_PREFIX'),
  inMemory: false,
  reconcileEveryMs: 2_000,
});
console.log('ready');
