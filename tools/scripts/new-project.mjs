// Scaffolds a workspace project with the shared conventions:
//   node tools/scripts/new-project.mjs packages/spiffe "type:lib,scope:shared" "what it is"
// Exports resolve to src/*.ts under the "@ambient-ts/source" condition (tests,
// type-check) and to dist/*.js at run time.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const [dir, tags = 'type:lib', description = ''] = process.argv.slice(2);
if (!dir) {
  console.error('usage: new-project.mjs <dir> <tags> <description>');
  process.exit(2);
}
const name = `@ambient-ts/${path.basename(dir)}`;
const up = path.relative(dir, '.') || '.';
const write = (f, s) => {
  const p = path.join(dir, f);
  if (!existsSync(p)) writeFileSync(p, s);
};
mkdirSync(path.join(dir, 'src'), { recursive: true });
write(
  'package.json',
  JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      description,
      type: 'module',
      exports: {
        '.': {
          '@ambient-ts/source': './src/index.ts',
          types: './dist/index.d.ts',
          default: './dist/index.js',
        },
      },
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        typecheck: 'tsc -p tsconfig.json --noEmit',
        lint: 'eslint .',
        test: 'vitest run',
      },
      nx: { tags: tags.split(',') },
      dependencies: {},
    },
    null,
    2,
  ) + '\n',
);
write(
  'tsconfig.json',
  JSON.stringify(
    {
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { noEmit: true },
      include: ['src/**/*.ts', 'test/**/*.ts'],
    },
    null,
    2,
  ) + '\n',
);
write(
  'tsconfig.build.json',
  JSON.stringify(
    {
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [] },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
    },
    null,
    2,
  ) + '\n',
);
write('vitest.config.ts', `export { default } from '${up}/vitest.shared.ts';\n`);
write('README.md', `# ${name}\n\n${description}\n`);
console.log(`created ${dir} (${name})`);
