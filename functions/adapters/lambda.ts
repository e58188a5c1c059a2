import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** Synchronous invocation of another function of the stack (the reconciler, from `POST /ops/reconcile`). */
const client = new LambdaClient({});

export async function invokeForJson<T>(functionName: string): Promise<T> {
  const result = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: '{}' }),
  );
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : 'null';
  if (result.FunctionError) throw new Error(`${functionName} failed: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
