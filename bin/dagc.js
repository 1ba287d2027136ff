#!/usr/bin/env node
// The dagc command. Kept free of imports beyond node:module so that start-up stays at Node's own floor;
// the one command needed is loaded on demand by dist/main.js.
import module from 'node:module';

module.enableCompileCache?.();
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`dagc needs Node.js 20 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const argv = process.argv.slice(2);
// `dagc exec` and `dagc fan` run once per step of a rendered target: their own bundle loads a fraction of the
// modules (src/cli/entry-node.ts).
if (argv[0] === 'exec' || argv[0] === 'fan') {
  const { entryMain } = await import('../dist/entry/entry.js');
  process.exitCode = await entryMain(argv);
} else {
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(argv);
}
