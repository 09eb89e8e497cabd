import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this checkout (e2e/src/ → ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IMAGE_TABLE = path.join(REPO_ROOT, 'deploy', 'images', 'local-images.json');
