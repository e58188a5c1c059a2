import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every handler: structured JSON; request and application ids appended per call. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'licence-workflow' });
