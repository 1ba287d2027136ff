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
// The AWS SDK v3 warns on every process under Node < 22 (a deprecation of its own, not dagc's): once per step
// process under the asl target, in the middle of a step's output. dagc supports Node 20; the user's own setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const argv = process.argv.slice(2);
// `dagc exec` and `dagc fan` run once per step of a rendered target: their own bundle loads a fraction of the
// modules (src/cli/entry-node.ts).
// dagc's own modules failing to load (a dist/ being rebuilt, a broken install) exit 2 like any internal error,
// never 1: a rendered script reads 1 from `dagc exec` as "the step failed" and routes to on_failure.
let entry;
try {
  entry = argv[0] === 'exec' || argv[0] === 'fan' ? (await import('../dist/entry/entry.js')).entryMain : (await import('../dist/main.js')).main;
} catch (error) {
  process.stderr.write(`dagc: internal error: cannot load dagc's own modules: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
process.exitCode = await entry(argv);
