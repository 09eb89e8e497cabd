import { fileURLToPath } from 'node:url';

/** The committed install for the default values (deploy/manifests/ambient.yaml). */
export function ambientYamlPath(): string {
  return fileURLToPath(new URL('../ambient.yaml', import.meta.url));
}
