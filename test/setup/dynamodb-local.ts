/**
 * Global setup of the `integration` project: one in-memory DynamoDB Local on a free port with the
 * four tables under their default names. Tests share it and isolate themselves with fresh ids.
 * Workers are started after this runs, so they inherit `AWS_ENDPOINT_URL_DYNAMODB`; the endpoint
 * is also provided as `inject('dynamodbEndpoint')`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { tableNamesFromEnv } from '#adapters/table-definitions.ts';
import { createTablesIfMissing } from '#local/create-tables.ts';
import { startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { freePort } from '#local/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  const client = new DynamoDBClient({
    endpoint: dynamoDb.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createTablesIfMissing(client, tableNamesFromEnv());
  } catch (error) {
    await dynamoDb.stop();
    throw error;
  } finally {
    client.destroy();
  }
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoDb.endpoint;
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
  return () => dynamoDb.stop();
}
