import { openCluster } from './src/index.ts';
const c = await openCluster(process.argv[2]!);
const r = await c!.exec(process.argv[3]!, process.argv[4]!, process.argv.slice(5));
console.log(r.exitCode, r.stdout, r.stderr);
