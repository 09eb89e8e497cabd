// `npm run generate -w @ambient-ts/deploy`: writes ambient.yaml (default values) next to
// this project's package.json; `-- --check` only verifies it is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { ambientYamlPath } from './paths.js';
import { renderManifests, toYaml } from './render.js';

const AMBIENT_YAML = ambientYamlPath();

const text = toYaml(renderManifests());
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(AMBIENT_YAML, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    process.stderr.write(`${AMBIENT_YAML} is stale: run npm run generate -w @ambient-ts/deploy\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(AMBIENT_YAML, text);
  process.stdout.write(`wrote ${AMBIENT_YAML}\n`);
}
