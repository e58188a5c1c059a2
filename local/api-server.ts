import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { clock } from '#adapters/clock.ts';
import { API_FUNCTION_TIMEOUT_SECONDS } from '#adapters/timeouts.ts';
import type { RestHandler } from '#handlers/api/rest-handler.ts';
import { cachedTokenVerifier, type SigningKeys, tokenRejectionMessage, verifyToken } from './jwt.ts';

/**
 * Local stand-in for API Gateway (REST API, `/{proxy+}` resource, Lambda proxy integration,
 * Cognito user pool authorizer): HTTP in, REST (v1) proxy event to the handler, result back out.
 * Requests the gateway itself would reject (no/invalid token, payload over 10 MB) are answered here
 * in the API.md error shape without calling the handler, like the stack's gateway responses.
 */
export interface ApiServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  handler: RestHandler;
  keys: SigningKeys;
  /** Exact paths served without a token (e.g. `/health`); default none. */
  publicPaths?: string[];
  /** Path prefixes served without a token (e.g. `/assets/` of the console); default none. */
  publicPrefixes?: string[];
}

export interface ApiServer {
  /** `http://<host>:<port>` with the port actually bound (useful with port 0). */
  url: string;
  /** Stops accepting connections and waits for in-flight requests (dropped after a grace period). */
  stop(): Promise<void>;
}

/** API Gateway's maximum request payload. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const STAGE = 'local';

/** The api function's timeout, as the handler sees it through `getRemainingTimeInMillis`. */
const FUNCTION_TIMEOUT_MS = API_FUNCTION_TIMEOUT_SECONDS * 1000;
const STOP_GRACE_MS = 5_000;
const FUNCTION_NAME = 'api';
const ACCOUNT_ID = '000000000000';

const logger = new Logger({ serviceName: 'local-api-server' });

type TokenVerifier = ReturnType<typeof cachedTokenVerifier>;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const verify = cachedTokenVerifier((token) => verifyToken(options.keys, token));
  const server = createServer((request, response) => {
    void serve(request, response, options, verify);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Unparseable HTTP (bad framing, header overflow) is answered in the error shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return socket.destroy();
    const body = JSON.stringify({
      error: { code: 'VALIDATION_FAILED', message: 'Malformed HTTP request.', details: [] },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const { port } = server.address() as AddressInfo;

  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const forceClose = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    await closed;
    clearTimeout(forceClose);
  };
  return { url: `http://${host}:${port}`, stop };
}

interface RequestInfo {
  requestId: string;
  receivedAt: Date;
  path: string;
  query: string;
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  options: ApiServerOptions,
  verify: TokenVerifier,
): Promise<void> {
  const [path, query] = splitOnce(request.url ?? '/', '?');
  const info: RequestInfo = { requestId: randomUUID(), receivedAt: clock.now(), path, query };
  try {
    if (declaredLength(request) > MAX_REQUEST_BYTES) return rejectTooLarge(request, response, info);

    const isPublic =
      (options.publicPaths ?? []).includes(path) ||
      (options.publicPrefixes ?? []).some((prefix) => path.startsWith(prefix));
    const auth = isPublic ? undefined : await authorize(request.headers.authorization, verify);
    if (auth && 'refusal' in auth) {
      return rejectEarly(request, response, info, 401, 'UNAUTHORIZED', auth.refusal);
    }
    const claims = auth?.claims;

    const body = await readBody(request, MAX_REQUEST_BYTES);
    if (body === undefined) return rejectTooLarge(request, response, info);

    const event = toProxyEvent(request, info, body, claims);
    const result = await options.handler(event, lambdaContext(info));
    writeResult(response, result, info.requestId);
  } catch (error) {
    logger.error('request failed', { requestId: info.requestId, error });
    sendInternalError(response, info.requestId);
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function declaredLength(request: IncomingMessage): number {
  const length = Number(request.headers['content-length']);
  return Number.isFinite(length) ? length : 0;
}

/** Like the Cognito authorizer: `Bearer <jwt>` or the raw token; a refusal says why it does not verify. */
async function authorize(
  header: string | undefined,
  verify: TokenVerifier,
): Promise<{ claims: Record<string, string> } | { refusal: string }> {
  const token = header?.replace(/^Bearer(\s+|$)/i, '').trim();
  if (!token) return { refusal: 'A token is required: send "Authorization: Bearer <token>".' };
  try {
    return { claims: await verify(token) };
  } catch (error) {
    return { refusal: tokenRejectionMessage(error) };
  }
}

/** Counts bytes as they stream in; undefined as soon as the limit is passed (the rest is discarded). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      detach();
      resolve(undefined);
    };
    const onEnd = () => {
      detach();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const detach = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

function rejectTooLarge(request: IncomingMessage, response: ServerResponse, info: RequestInfo): void {
  rejectEarly(request, response, info, 413, 'PAYLOAD_TOO_LARGE', 'Request payload exceeds 10 MB.');
}

/** Answers without reading the body: the rest of the upload is discarded and the connection closed. */
function rejectEarly(
  request: IncomingMessage,
  response: ServerResponse,
  info: RequestInfo,
  status: number,
  code: string,
  message: string,
): void {
  response.setHeader('connection', 'close');
  sendError(response, status, code, message, info.requestId);
  request.resume();
}

function sendInternalError(response: ServerResponse, requestId: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendError(response, 500, 'INTERNAL', 'Internal server error', requestId);
}

function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
): void {
  const body = JSON.stringify({ error: { code, message, details: [] } });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  });
  response.end(body);
}

function toProxyEvent(
  request: IncomingMessage,
  info: RequestInfo,
  body: Buffer,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEvent {
  const httpMethod = request.method ?? 'GET';
  // With a `/{proxy+}` resource and the root method (LambdaRestApi), `/` matches the root resource.
  const resource = info.path === '/' ? '/' : '/{proxy+}';
  const { headers, multiValueHeaders } = collectHeaders(request.rawHeaders);
  const { single, multi } = parseQuery(info.query);
  return {
    resource,
    path: info.path,
    httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    // API Gateway passes `path` still percent-encoded but path parameters decoded.
    pathParameters: resource === '/' ? null : { proxy: decode(info.path.slice(1)) },
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'local',
      authorizer: claims === undefined ? undefined : { claims },
      domainName: request.headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      extendedRequestId: info.requestId,
      httpMethod,
      identity: identity(request),
      path: `/${STAGE}${info.path}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: info.requestId,
      requestTime: clfTime(info.receivedAt),
      requestTimeEpoch: info.receivedAt.getTime(),
      resourceId: 'local',
      resourcePath: resource,
      stage: STAGE,
    },
    // Text bodies only, as with a REST API without binary media types.
    body: body.length === 0 ? null : body.toString('utf8'),
    isBase64Encoded: false,
  };
}

/** `headers` keeps the last value of a repeated header, `multiValueHeaders` all of them. */
function collectHeaders(rawHeaders: string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    pairs.push([rawHeaders[i] ?? '', rawHeaders[i + 1] ?? '']);
  const { single, multi } = lastAndAll(pairs);
  return { headers: single, multiValueHeaders: multi };
}

/** Decoded parameters (last value wins in `single`), null when there are none, as API Gateway does. */
function parseQuery(query: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  const pairs = query.split('&').filter((pair) => pair !== '');
  if (pairs.length === 0) return { single: null, multi: null };
  return lastAndAll(
    pairs.map((pair) => {
      const [rawName, rawValue] = splitOnce(pair, '=');
      return [decode(rawName), decode(rawValue)];
    }),
  );
}

/**
 * The last value and all values of each name. Collected in a Map so that names such as
 * `__proto__` from the request are plain keys (an object would resolve them to its prototype).
 */
function lastAndAll(pairs: ReadonlyArray<readonly [string, string]>): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const all = new Map<string, string[]>();
  for (const [name, value] of pairs) all.set(name, [...(all.get(name) ?? []), value]);
  return {
    single: Object.fromEntries([...all].map(([name, values]) => [name, values.at(-1) ?? ''])),
    multi: Object.fromEntries(all),
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function identity(request: IncomingMessage): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    user: null,
    userAgent: request.headers['user-agent'] ?? null,
    userArn: null,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `11/Sep/2025:23:43:29 +0000`, API Gateway's `requestTime` format. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  return `${day}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function lambdaContext(info: RequestInfo): Context {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const unsupported = () => {
    throw new Error('callback-style context methods are not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '1024',
    awsRequestId: info.requestId,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `local/[$LATEST]${info.requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Writes the proxy result like API Gateway: `headers` and `multiValueHeaders` are merged (for a
 * name in both, the multi-value list wins), and a base64 body is decoded.
 */
function writeResult(response: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  if (
    typeof result?.statusCode !== 'number' ||
    (result.body !== undefined && typeof result.body !== 'string')
  ) {
    throw new Error('malformed Lambda proxy response');
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  headers['x-request-id'] ??= requestId;
  const text = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(text, 'base64') : text;
  response.writeHead(result.statusCode, headers);
  response.end(body);
}
