// `npm run bench [-- <suite id>...]`: runs every suite (or the named ones)
// and prints one table per report.

import { setPriority } from 'node:os';
import { renderReport } from './report.js';
import { suites } from './suites/index.js';

// Benchmarks share the machine with other work; yield to it a little.
try {
  setPriority(5);
} catch {
  // Not permitted here; run at normal priority.
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((id) => !suites.some((s) => s.id === id));
if (unknown.length) {
  console.error(
    `unknown suite(s): ${unknown.join(', ')}; available: ${suites.map((s) => s.id).join(', ')}`,
  );
  process.exit(2);
}
const selected = wanted.length ? suites.filter((s) => wanted.includes(s.id)) : suites;

let failed = false;
for (const suite of selected) {
  console.error(`== ${suite.id}: ${suite.description}`);
  try {
    const reports = await suite.run({
      log: (line) => {
        console.error(`   ${line}`);
      },
    });
    for (const r of reports) console.log(`\n${renderReport(r)}\n`);
  } catch (err) {
    failed = true;
    console.error(`suite ${suite.id} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
