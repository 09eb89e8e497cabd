// The image table file, re-read when it changes, so fixing an entry heals ErrImagePull pods on
// their next retry. ${repo} is the checkout holding the table (<repo>/deploy/images/…).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageTableError } from './errors.js';
import { parseImageTable, type ImageTable, type Placeholders } from './image-table.js';
import type { ImageSource } from './runtime-deps.js';

export function repoRootOf(tablePath: string): string {
  return path.resolve(path.dirname(tablePath), '..', '..');
}

export function imageTableFile(
  tablePath: string,
  p: Omit<Placeholders, 'repo'> & { repo?: string },
): ImageSource {
  let cached: { mtimeMs: number; table: ImageTable } | undefined;
  const placeholders: Placeholders = { ...p, repo: p.repo ?? repoRootOf(tablePath) };
  return {
    async table() {
      const st = await stat(tablePath).catch(() => undefined);
      if (!st) throw new ImageTableError(`image table ${tablePath} does not exist (--image-table)`);
      if (cached?.mtimeMs === st.mtimeMs) return cached.table;
      let json: unknown;
      try {
        json = JSON.parse(await readFile(tablePath, 'utf8'));
      } catch (err) {
        throw new ImageTableError(
          `image table ${tablePath} is not valid JSON: ${(err as Error).message}`,
        );
      }
      const table = parseImageTable(json, tablePath, placeholders);
      cached = { mtimeMs: st.mtimeMs, table };
      return table;
    },
  };
}
