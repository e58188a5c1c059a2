import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableNamesFromEnv } from '../functions/adapters/table-definitions.ts';
import { startApiServer } from './api-server.ts';
import { createTablesIfMissing } from './create-tables.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { loadOrCreateSigningKeys } from './jwt.ts';

/**
 * The whole system on one machine: DynamoDB Local, the API server and (with the workflow) the
 * local Step Functions endpoint. The real handlers run unchanged; the AWS SDK clients reach the
 * local endpoints through AWS_ENDPOINT_URL_* variables, set here before the handlers load.
 */
export interface LocalStackOptions {
  port: number;
  dynamodbPort: number;
  dataDir: string;
  inMemory: boolean;
  /** Use an already running DynamoDB (tests share one) instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
}

export interface LocalStack {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.LOCAL_DATA_DIR = options.dataDir;
    let endpoint = options.dynamodbEndpoint;
    if (!endpoint) {
      const dynamodb = await startDynamoDbLocal({
        port: options.dynamodbPort,
        ...(options.inMemory ? {} : { dataDir: join(options.dataDir, 'dynamodb') }),
        pidFile: join(options.dataDir, 'dynamodb-local.pid'),
      });
      stoppers.push(dynamodb.stop);
      endpoint = dynamodb.endpoint;
    }
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = endpoint;
    await createTablesIfMissing(new DynamoDBClient({ endpoint }), tableNamesFromEnv());

    const keys = await loadOrCreateSigningKeys(options.dataDir);
    // Loaded only now, so their SDK clients see the local endpoints.
    const { handler } = await import('../functions/handlers/api.ts');
    const api = await startApiServer({ port: options.port, handler, keys, publicPaths: ['/health'] });
    stoppers.push(api.stop);
    return { url: api.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
