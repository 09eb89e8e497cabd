import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { applyObjects, parseManifests } from './src/index.ts';
const kc = new KubeConfig();
kc.loadFromFile(process.argv[2]!);
await applyObjects(kc, parseManifests(readFileSync(process.argv[3]!, 'utf8')), {
  defaultNamespace: process.argv[4],
});
console.log('applied');
