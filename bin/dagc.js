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
const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2));
