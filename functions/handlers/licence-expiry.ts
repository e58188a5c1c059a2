import type { Context } from 'aws-lambda';
import { createDependencies } from '../adapters/dependencies.ts';
import { logger } from '../adapters/observability.ts';
import type { Dependencies } from '../domain/dependencies.ts';
import { NotFoundError } from '../domain/errors.ts';
import { expireLicence } from '../domain/licences/use-cases.ts';
import * as z from '../domain/zod.ts';

/**
 * The target of a licence's expiry schedule (EventBridge Scheduler on AWS, the local scheduler
 * locally): `expire` through the domain. Harmless when it fires for a licence that has ended
 * otherwise, or that no longer exists; an early firing changes nothing (the reconciler expires it
 * once due).
 */
export const ExpiryPayload = z.strictObject({
  licenceNumber: z.string().check(z.minLength(1), z.maxLength(64)),
});
export type ExpiryPayload = z.infer<typeof ExpiryPayload>;

export interface ExpiryOutcome {
  licenceNumber: string;
  status: string | null;
  changed: boolean;
}

export async function expireOnSchedule(
  deps: Dependencies,
  { licenceNumber }: ExpiryPayload,
  requestId: string,
): Promise<ExpiryOutcome> {
  try {
    const { status, changed, wakeAt } = await expireLicence(deps, licenceNumber, requestId);
    if (wakeAt) logger.warn('expiry schedule fired before validTo', { licenceNumber, validTo: wakeAt });
    logger.info('licence expiry', { licenceNumber, requestId, status, changed });
    return { licenceNumber, status, changed };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    logger.warn('expiry schedule fired for an unknown licence', { licenceNumber });
    return { licenceNumber, status: null, changed: false };
  }
}

const deps = createDependencies();

export const handler = async (event: unknown, context: Context): Promise<ExpiryOutcome> =>
  expireOnSchedule(deps, ExpiryPayload.parse(event), context.awsRequestId);
