/**
 * npm run openapi [-- --check]: writes the OpenAPI 3.1 document generated from the route table and
 * its zod schemas to functions/handlers/api/openapi.json, which `GET /openapi.json` serves.
 * `--check` writes nothing and fails if the checked-in file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OPENAPI_JSON_PATH, openApiJson } from '../functions/handlers/api/openapi.ts';
import { routes } from '../functions/handlers/api/routes.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean' } }, strict: true });
const file = fileURLToPath(OPENAPI_JSON_PATH);
const generated = openApiJson(routes);
if (values.check) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== generated) {
    console.error(`${file} is out of date: run npm run openapi`);
    process.exit(1);
  }
} else {
  await writeFile(file, generated);
  console.log(`wrote ${file}`);
}
// The route table's SDK clients keep the event loop alive.
process.exit(0);
