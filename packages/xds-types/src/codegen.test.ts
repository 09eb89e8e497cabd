import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The generated code under src/gen is committed; this test regenerates it into a
// temporary directory with the same buf.gen.yaml and fails when anything differs,
// so a .proto edit without `npm run codegen` cannot land.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('committed generated code', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'xds-types-codegen-'));
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('is identical to a fresh buf generate of proto/', () => {
    const path = [
      join(packageDir, 'node_modules', '.bin'),
      join(repoRoot, 'node_modules', '.bin'),
      process.env['PATH'] ?? '',
    ].join(delimiter);
    execFileSync('buf', ['generate', '--template', 'buf.gen.yaml', '--output', outDir], {
      cwd: packageDir,
      env: { ...process.env, PATH: path },
      stdio: 'pipe',
    });

    const committedDir = join(packageDir, 'src', 'gen');
    const freshDir = join(outDir, 'src', 'gen');
    const committed = listFiles(committedDir);
    expect(committed, 'run `npm run codegen -w packages/xds-types`').toEqual(listFiles(freshDir));
    for (const file of committed) {
      expect(
        readFileSync(join(committedDir, file), 'utf8'),
        `src/gen/${file} is stale: run \`npm run codegen -w packages/xds-types\``,
      ).toBe(readFileSync(join(freshDir, file), 'utf8'));
    }
  });
});
