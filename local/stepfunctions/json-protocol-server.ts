import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ServiceError } from './errors.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

export interface JsonProtocolServer {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves operations over AWS's JSON 1.0 protocol: `POST` with `X-Amz-Target: AWSStepFunctions.<Op>`;
 * client errors as HTTP 400 with `__type` and `x-amzn-errortype`, which the SDK maps to its classes.
 */
export async function serveJsonProtocol(
  host: string,
  port: number,
  operations: Readonly<Record<string, (request: unknown) => unknown>>,
  logger: Logger,
): Promise<JsonProtocolServer> {
  const server = createServer((request, response) => {
    handle(request, operations).then(
      (body) => send(response, 200, body),
      (error: unknown) => sendError(response, error, logger),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('could not read the port of the server');
  return {
    endpoint: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  operations: Readonly<Record<string, (request: unknown) => unknown>>,
): Promise<unknown> {
  const target = request.headers['x-amz-target'];
  const name =
    typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation =
    request.method === 'POST' && Object.hasOwn(operations, name) ? operations[name] : undefined;
  if (operation === undefined) {
    throw new ServiceError('UnknownOperationException', `Unknown operation ${String(target)}`);
  }
  return operation(await readJsonBody(request));
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) throw new ServiceError('ValidationException', 'The request is too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not JSON');
  }
}

function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof ServiceError) {
    send(response, 400, { __type: error.type, message: error.message }, { 'x-amzn-errortype': error.type });
    return;
  }
  logger.error('local Step Functions request failed', { error });
  send(
    response,
    500,
    { __type: 'InternalFailure', message: 'internal error' },
    { 'x-amzn-errortype': 'InternalFailure' },
  );
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), ...headers });
  response.end(JSON.stringify(body));
}
