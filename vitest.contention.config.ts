import { defineConfig } from 'vitest/config';

/**
 * The 50-way contention test on DynamoDB Local (about 3 minutes on 2 shared cores): outside
 * `npm test`'s time budget, run with `npm run test:contention`.
 */
export default defineConfig({
  test: {
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    include: ['test/contention/**/*.test.ts'],
    globalSetup: ['test/setup/dynamodb-local.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
