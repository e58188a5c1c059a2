/**
 * npm run openapi [-- --check]: writes functions/handlers/api/openapi.json (the OpenAPI 3.1 document
 * generated from the route table and its zod schemas, which `GET /openapi.json` serves) and
 * openapi-types.ts (openapi-typescript's types of it, for an openapi-fetch client).
 * `--check` writes nothing and fails if a checked-in file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openApiFiles } from './openapi-files.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean' } }, strict: true });
let stale = false;
for (const file of await openApiFiles()) {
  if (values.check) {
    const current = await readFile(file.path, 'utf8').catch(() => '');
    if (current !== file.contents) {
      console.error(`${file.path} is out of date: run npm run openapi`);
      stale = true;
    }
  } else {
    await writeFile(file.path, file.contents);
    console.log(`wrote ${file.path}`);
  }
}
// The route table's SDK clients keep the event loop alive.
process.exit(stale ? 1 : 0);
