/**
 * `npm run --silent token -- --sub alice --org acme --groups applicant[,reviewer] [--expires-in 3600]`
 * prints a locally signed Cognito-like ID token, and nothing else, on stdout.
 */
import { parseArgs } from 'node:util';
import { RoleSchema } from '#domain/schemas.ts';
import { loadOrCreateSigningKeys, localDataDir, mintToken } from './jwt.ts';

const USAGE =
  'usage: npm run --silent token -- --sub <user> --org <org> --groups <g1[,g2]> [--expires-in <seconds>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      org: { type: 'string' },
      groups: { type: 'string', default: '' },
      'expires-in': { type: 'string' },
    },
    strict: true,
  });
  if (!values.sub || !values.org) throw new Error(USAGE);
  const groups = values.groups.split(',').filter((group) => group !== '');
  const valid: readonly string[] = RoleSchema.options;
  const unknown = groups.filter((group) => !valid.includes(group));
  if (unknown.length > 0) {
    const names = unknown.map((group) => `"${group}"`).join(', ');
    throw new Error(`unknown group ${names}; the groups are: ${valid.join(', ')}`);
  }
  const expiresIn = values['expires-in'];
  const keys = await loadOrCreateSigningKeys(localDataDir());
  const token = await mintToken(keys, {
    sub: values.sub,
    org: values.org,
    groups,
    expiresInSeconds: expiresIn === undefined ? undefined : Number(expiresIn),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
