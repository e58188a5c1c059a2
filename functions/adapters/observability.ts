import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';

/**
 * One logger for every handler: structured JSON (Powertools). Request-scoped fields (request id,
 * method, path, application id) never go on the process-wide instance: `withLogKeys` runs an
 * invocation with a child logger of its own, found through AsyncLocalStorage, so they cannot reach
 * another invocation — locally every handler shares one process and interleaves with the others,
 * and on AWS a warm Lambda serves the next request with the same module state.
 */
const processLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'licence-workflow' });
const invocationLogger = new AsyncLocalStorage<Logger>();

const current = (): Logger => invocationLogger.getStore() ?? processLogger;

export const logger = {
  debug: (message: LogItemMessage, ...extra: LogItemExtraInput): void => current().debug(message, ...extra),
  info: (message: LogItemMessage, ...extra: LogItemExtraInput): void => current().info(message, ...extra),
  warn: (message: LogItemMessage, ...extra: LogItemExtraInput): void => current().warn(message, ...extra),
  error: (message: LogItemMessage, ...extra: LogItemExtraInput): void => current().error(message, ...extra),
};

/** Runs `invocation` with `keys` on every line it logs, and on no other line. */
export function withLogKeys<T>(keys: LogAttributes, invocation: () => Promise<T>): Promise<T> {
  return invocationLogger.run(current().createChild({ persistentKeys: keys }), invocation);
}

/** Adds keys to the running invocation's lines (within `withLogKeys`; elsewhere it does nothing). */
export function appendLogKeys(keys: LogAttributes): void {
  invocationLogger.getStore()?.appendPersistentKeys(keys);
}
