import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, LogItemMessage } from '@aws-lambda-powertools/logger/types';

/**
 * One logger for every handler: structured JSON (Powertools). Request-scoped fields (request id,
 * method, path, application id) never go on the process-wide instance: `withLogKeys` runs an
 * invocation with a key set of its own, found through AsyncLocalStorage and added to each of its
 * lines, so they cannot reach another invocation — locally every handler shares one process and
 * interleaves with the others, and on AWS a warm Lambda serves the next request with the same module
 * state. (A key set rather than a child logger per invocation: a child is a new Logger, Console and
 * environment read on every request.)
 */
const processLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'licence-workflow' });
const invocationKeys = new AsyncLocalStorage<LogAttributes>();

type Level = 'debug' | 'info' | 'warn' | 'error';
const log =
  (level: Level) =>
  (message: LogItemMessage, ...extra: LogAttributes[]): void => {
    const keys = invocationKeys.getStore();
    if (keys) processLogger[level](message, keys, ...extra);
    else processLogger[level](message, ...extra);
  };

export const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

/** Runs `invocation` with `keys` on every line it logs, and on no other line. */
export function withLogKeys<T>(keys: LogAttributes, invocation: () => Promise<T>): Promise<T> {
  return invocationKeys.run({ ...invocationKeys.getStore(), ...keys }, invocation);
}

/** Adds keys to the running invocation's lines (within `withLogKeys`; elsewhere it does nothing). */
export function appendLogKeys(keys: LogAttributes): void {
  const current = invocationKeys.getStore();
  if (current) Object.assign(current, keys);
}
