import type { LambdaClient } from '@aws-sdk/client-lambda';
import { writesAllowed } from './write-barrier.ts';

type LambdaSdk = typeof import('@aws-sdk/client-lambda');
let loaded: Promise<{ sdk: LambdaSdk; client: LambdaClient }> | undefined;

/** The SDK and its client, loaded on the first call rather than at a cold start (one route uses them). */
function lambda(): Promise<{ sdk: LambdaSdk; client: LambdaClient }> {
  loaded ??= import('@aws-sdk/client-lambda').then((sdk) => ({ sdk, client: new sdk.LambdaClient({}) }));
  return loaded;
}

/**
 * Functions of the stack that run in this process instead, by name: the local stack registers
 * them (every handler shares its one process); on AWS none is.
 */
export const inProcessFunctions = new Map<string, () => Promise<unknown>>();

/** Synchronous invocation of another function of the stack (the reconciler, from `POST /ops/reconcile`). */
export async function invokeForJson<T>(functionName: string): Promise<T> {
  // The invoked function writes: under an Idempotency-Key it runs once, as a write would.
  await writesAllowed();
  const inProcess = inProcessFunctions.get(functionName);
  if (inProcess) return (await inProcess()) as T;
  const { sdk, client } = await lambda();
  const result = await client.send(
    new sdk.InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: '{}' }),
  );
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : 'null';
  if (result.FunctionError) throw new Error(`${functionName} failed: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
