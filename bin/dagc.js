#!/usr/bin/env node
// The dagc command. A CommonJS file (bin/package.json): an ES module as the main script costs every process
// the ES loader's start, ~0.09x a node start (issue 16). Kept free of imports beyond Node's own so that
// start-up stays at Node's floor; the one command needed is loaded on demand by dist/main.js.
/* global require, __dirname, Buffer */
'use strict';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`dagc needs Node.js 20 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
// The AWS SDK v3 warns on every process under Node < 22 (a deprecation of its own, not dagc's): once per step
// process under the asl target, in the middle of a step's output. dagc supports Node 20; the user's own setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const argv = process.argv.slice(2);

// dagc's own modules failing to load (a dist/ being rebuilt, a broken install) exit 2 like any internal error,
// never 1: a rendered script reads 1 from `dagc exec` as "the step failed" and routes to on_failure.
function cannotLoad(error) {
  process.stderr.write(`dagc: internal error: cannot load dagc's own modules: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

// `dagc exec` and `dagc fan` run once per step of a rendered target: their own bundle (src/cli/entry-node.ts,
// one CommonJS file) loads a fraction of the modules, compiled from V8's code cache. `dagc compile` and
// `dagc validate`, run over and over by CI and editors on whole pipelines, have one too (src/cli/entry-compile.ts).
const bundle = argv[0] === 'exec' || argv[0] === 'fan' ? 'entry' : argv[0] === 'compile' || argv[0] === 'validate' ? 'compile' : undefined;
if (bundle !== undefined) {
  let entry;
  try {
    entry = loadEntry(bundle);
  } catch (error) {
    cannotLoad(error);
  }
  entry.main(argv).then(async (code) => {
    // scripts/build.mjs runs more commands in this process before the cache is written, so that it holds what
    // each of them compiles (compile for every target, validate).
    const more = process.env.DAGC_CODE_CACHE_WARM;
    if (more) for (const next of JSON.parse(more)) await entry.main(next);
    process.exitCode = code;
    entry.keepCache();
    // A compile's heap is left to the system: on a natural exit Node first finishes V8's incremental marking
    // and frees the heap page by page, ~0.1 s after the last file of a 10,000-step compile to asl (issue 16).
    // Only when nothing is left to write: stdout and stderr are synchronous on Linux (files, pipes, terminals),
    // not for pipes on macOS. Every file is written by then (the command's promise waits for each).
    if (bundle === 'compile' && !process.stdout.writableLength && !process.stderr.writableLength) process.exit();
  });
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:module').enableCompileCache?.();
  import('../dist/main.js').then((m) => m.main(argv), cannotLoad).then((code) => {
    process.exitCode = code;
  });
}

/**
 * dist/entry/NAME.cjs, compiled with V8's code cache (what v8-compile-cache does for a whole program; Node 20
 * has no module.enableCompileCache). A cache file holds the bundle's bytes it was made from and V8's data; it is
 * used only when those bytes equal the bundle's (V8 itself checks only the length, its version and its flags).
 * It lives beside the bundle (written by the build, scripts/build.mjs), else in $XDG_CACHE_HOME/dagc or
 * ~/.cache/dagc; a call that found none valid, or whose cache V8 rejected (another Node), writes one after its
 * command ran, so that the functions the command compiled are in it. Writing is best effort: a read-only install
 * just compiles every time.
 */
function loadEntry(name) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const { createRequire } = require('node:module');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = path.join(__dirname, '..', 'dist', 'entry', `${name}.cjs`);
  const source = fs.readFileSync(file);
  const MAGIC = 'dagc-v8-cache-1\n';
  const headerBytes = MAGIC.length + 4;
  const beside = `${file}.cache`;
  const inHome = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const home = process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache');
    return path.join(home, 'dagc', `${name}-${source.length}.cache`);
  };
  const read = (where) => {
    let data;
    try {
      data = fs.readFileSync(where);
    } catch {
      return undefined;
    }
    if (data.length <= headerBytes + source.length || data.latin1Slice(0, MAGIC.length) !== MAGIC) return undefined;
    if (data.readUInt32LE(MAGIC.length) !== source.length) return undefined;
    const end = headerBytes + source.length;
    return source.equals(data.subarray(headerBytes, end)) ? data.subarray(end) : undefined;
  };
  const useCache = !process.env.DAGC_NO_CODE_CACHE;
  const cachedData = useCache ? (read(beside) ?? read(inHome())) : undefined;
  // esbuild writes ASCII only (its default charset), so latin1 is the text, as a one-byte string. The wrapper
  // takes a line of its own: the bundle's line N is the script's line N + 1 (test/entrypoint-built.test.ts).
  const wrapped = `(function (exports, require, module, __filename, __dirname, __dagcImport) {\n${source.latin1Slice()}\n})`;
  const script = new vm.Script(wrapped, {
    filename: file,
    cachedData,
    // The bundle's import() of packages that are ES modules only (log-update, @babel/code-frame).
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ?? ((specifier) => import(specifier)),
  });
  const mod = { exports: {} };
  // __dagcImport: a plugin's import() (src/core/import-module.ts), made here, in a file Node loaded itself.
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file), (specifier) => import(specifier));
  return {
    main: mod.exports.entryMain,
    keepCache() {
      if (!useCache || (cachedData && !script.cachedDataRejected)) return;
      try {
        const header = Buffer.alloc(headerBytes);
        header.write(MAGIC, 'latin1');
        header.writeUInt32LE(source.length, MAGIC.length);
        const bytes = Buffer.concat([header, source, script.createCachedData()]);
        for (const where of [beside, inHome()]) {
          try {
            fs.mkdirSync(path.dirname(where), { recursive: true });
            const temp = `${where}.${process.pid}.tmp`;
            fs.writeFileSync(temp, bytes);
            fs.renameSync(temp, where);
            return;
          } catch {
            /* not writable here: try the next place */
          }
        }
      } catch {
        /* a cache is never worth failing a step for */
      }
    },
  };
}
