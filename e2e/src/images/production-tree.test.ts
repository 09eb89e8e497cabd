import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProductionTreeError, productionTree } from './production-tree.js';

// A small workspace as `npm ci` lays it out: hoisted packages, a nested conflicting
// version, a workspace link, dev-only and types-only packages.
const root = mkdtempSync(path.join(os.tmpdir(), 'prod-tree-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function pkg(dir: string, json: object, files: Record<string, string> = {}): void {
  mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(json));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, dir, f)), { recursive: true });
    writeFileSync(path.join(root, dir, f), text);
  }
}

pkg(
  'apps/app',
  {
    name: '@x/app',
    dependencies: { a: '1', '@x/lib': '*', '@types/a': '1' },
    optionalDependencies: { 'not-installed': '1' },
    devDependencies: { devonly: '1' },
  },
  { 'dist/main.js': 'main', 'dist/main.test.js': 't', 'dist/main.d.ts': 'd', 'src/main.ts': 's' },
);
pkg(
  'packages/lib',
  { name: '@x/lib', dependencies: { b: '2' } },
  {
    'dist/index.js': 'lib',
    'dist/index.js.map': 'map',
    'build/Release/addon.node': 'bin',
    'build/Release/obj.target/addon.o': 'obj',
    'native/addon.c': 'c',
  },
);
pkg(
  'node_modules/a',
  {
    name: 'a',
    dependencies: { b: '1' },
    peerDependencies: { p: '1' },
    peerDependenciesMeta: { p: { optional: true } },
  },
  {
    'index.js': 'a',
    'README.md': 'readme',
    'index.d.ts': 'types',
  },
);
pkg('node_modules/a/node_modules/b', { name: 'b', version: '1' }, { 'index.js': 'b1' });
pkg('node_modules/b', { name: 'b', version: '2' }, { 'index.js': 'b2' });
pkg('node_modules/devonly', { name: 'devonly' }, { 'index.js': 'dev' });
pkg('node_modules/@types/a', { name: '@types/a' }, { 'index.d.ts': 'types' });
mkdirSync(path.join(root, 'node_modules/@x'), { recursive: true });
symlinkSync('../../packages/lib', path.join(root, 'node_modules/@x/lib'));

describe('the production files of a workspace program', () => {
  const files = productionTree(root, 'apps/app');
  const to = files.map((f) => f.to);

  it('lays out the program, its workspace packages and its dependency closure as Node resolves them', () => {
    expect(to).toEqual([
      '/app/apps/app/dist/main.js',
      '/app/apps/app/package.json',
      '/app/node_modules/@x/lib/build/Release/addon.node',
      '/app/node_modules/@x/lib/dist/index.js',
      '/app/node_modules/@x/lib/package.json',
      '/app/node_modules/a/index.js',
      '/app/node_modules/a/node_modules/b/index.js',
      '/app/node_modules/a/node_modules/b/package.json',
      '/app/node_modules/a/package.json',
      '/app/node_modules/b/index.js',
      '/app/node_modules/b/package.json',
    ]);
  });

  it('copies each version from where npm installed it (a nested version stays nested)', () => {
    const from = (t: string): string | undefined => files.find((f) => f.to === t)?.from;
    expect(from('/app/node_modules/a/node_modules/b/index.js')).toBe(
      path.join(root, 'node_modules/a/node_modules/b/index.js'),
    );
    expect(from('/app/node_modules/@x/lib/dist/index.js')).toBe(
      path.join(root, 'packages/lib/dist/index.js'),
    );
  });

  it('leaves out dev dependencies, @types, sources, tests, declarations, maps and docs', () => {
    for (const t of to)
      expect(t).not.toMatch(
        /devonly|@types|\/src\/|\.test\.|\.d\.ts|\.map|README|native|obj\.target/,
      );
  });

  it('fails with what to run when a required dependency is not installed', () => {
    pkg('apps/broken', { name: 'broken', dependencies: { missing: '1' } }, { 'dist/x.js': '' });
    expect(() => productionTree(root, 'apps/broken')).toThrow(ProductionTreeError);
    expect(() => productionTree(root, 'apps/broken')).toThrow(
      /missing, which is not installed.*npm ci/,
    );
  });

  it('fails with what to run when the program is not built', () => {
    pkg('apps/unbuilt', { name: 'unbuilt' });
    expect(() => productionTree(root, 'apps/unbuilt')).toThrow(/npm run build/);
  });
});
