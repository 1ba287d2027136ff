// Builds dist/ with esbuild: one ESM bundle per CLI command (code splitting), so a command loads only what it
// imports. The runtime entrypoint (`dagc exec`) runs once per step, so its import graph must stay small
// (shared/notes/toolchain.md §6: a bundled yaml-only entry starts as fast as `node -e 0`).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastJsonPath } from './fast-jsonpath-plugin.mjs';
import { MODULE_URL_BANNER } from './module-url-banner.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Build into a fresh folder and swap it in, so a process running bin/dagc.js meanwhile (another test run,
// a user's pipeline) never finds dist/ half-written or missing for more than two renames.
const staging = `${root}/.dist-build-${process.pid}`;
rmSync(staging, { recursive: true, force: true });

// The JSON Schemas are compiled here, once, into ajv standalone code that takes the place of
// src/front-end/precompiled-validators.ts in the bundle: compiling them at start-up would cost ~55 ms per
// command (shared/notes/toolchain.md §6), and `dagc exec` loads the pipeline once per step. The compiler
// is src/front-end/schema-compile.ts itself (bundled to a temp file), so options live in one place; tests,
// which run the sources, compile at run time through the same function.
const validatorsSource = await (async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-build-'));
  const out = path.join(dir, 'schema-compile.mjs');
  const aslOut = path.join(dir, 'asl-schema.mjs');
  // One module and what it imports as one ES file there (ajv included: the temp folder has no node_modules to
  // resolve it from), imported.
  const bundled = async (entry, outfile) => {
    await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    return import(pathToFileURL(outfile).href);
  };
  try {
    const compile = await bundled('src/front-end/schema-compile.ts', out);
    // The config's provider definitions compile apart, one module each, loaded only when a config names
    // their type (schema-compile.ts sectionDefinitions says why).
    const definitions = Object.fromEntries(compile.splitDefinitions().map((name) => [name, compile.standaloneDefinitionSource(name)]));
    // asl-validator's schema (src/emit/asl/asl-schema.ts), whose standalone code reaches the formats through
    // a require() of that module, resolved from its folder where the code is bundled.
    const asl = (await bundled('src/emit/asl/asl-schema.ts', aslOut)).standaloneAslSource('./asl-schema.ts');
    return { main: compile.standaloneValidatorsSource(), definitions, asl };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
const precompiledValidators = {
  name: 'precompiled-validators',
  setup(b) {
    b.onLoad({ filter: /src[\\/]front-end[\\/]precompiled-validators\.ts$/ }, () => ({
      contents: validatorsSource.main,
      loader: 'js',
      resolveDir: root,
    }));
    // asl-validator's schema (src/emit/asl/precompiled-asl-schema.ts), required by `dagc compile --target asl`.
    b.onLoad({ filter: /src[\\/]emit[\\/]asl[\\/]precompiled-asl-schema\.ts$/ }, () => ({
      contents: validatorsSource.asl,
      loader: 'js',
      resolveDir: path.join(root, 'src', 'emit', 'asl'),
    }));
    b.onLoad({ filter: /src[\\/]front-end[\\/]precompiled[\\/][a-z0-9_]+\.ts$/ }, (args) => {
      const name = path.basename(args.path, '.ts');
      const contents = validatorsSource.definitions[name];
      if (contents === undefined) throw new Error(`src/front-end/precompiled/${name}.ts names no definition of schemas/config.schema.json`);
      return { contents, loader: 'js', resolveDir: root };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Packages that are large, rarely needed or load their own files stay in node_modules.
  // prettier is bundled: src/emit/serialise.ts imports its standalone build and two plugins only.
  external: ['log-update', 'handlebars', '@babel/code-frame', '@viz-js/viz'],
  banner: {
    js: "import { createRequire as __dagcCreateRequire } from 'node:module'; const require = __dagcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [precompiledValidators, fastJsonPath],
});

// The per-node entry (`dagc exec`, `dagc fan`; src/cli/entry-node.ts) is built again on its own, as ONE CommonJS
// file, dist/entry/entry.cjs (issue 16): bin/dagc.js compiles it through vm.Script with V8's code cache, so a
// step's process neither parses nor links some forty ES modules (Node 20 has no module.enableCompileCache).
// The large packages only some calls need (the YAML parsers and ajv when the run's built pipeline cannot be
// used, the AWS SDK for an S3 store, tinyglobby for a catalog) stay in node_modules, required when used; the
// rest (dagc's sources, p-limit) is bundled. Every one of those packages has a CommonJS build, and import() is
// made require(): a vm.Script's import() needs --experimental-vm-modules on Node 20. The precompiled schema
// validators (~0.5 MB, used only when the files are loaded) are files of their own beside it.
// So are the YAML parsers and tinyglobby, each bundled into one file (dist/entry/vendor/), as the CLI's bundle has
// them: left as node_modules' many files, they cost a call that loads the pipeline files ~0.15x a node start.
const VENDORED = ['yaml', 'js-yaml', 'tinyglobby'];
const validatorFiles = {
  name: 'entry-validators',
  setup(b) {
    b.onResolve({ filter: /^\.\/(precompiled\/[a-z0-9_]+|precompiled-validators)\.js$/ }, (args) =>
      /src[\\/]front-end$/.test(args.resolveDir) ? { path: `${args.path.slice(0, -3)}.cjs`, external: true } : undefined,
    );
    b.onResolve({ filter: /^(yaml|js-yaml|tinyglobby)$/ }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
  },
};
await build({
  absWorkingDir: root,
  // Their CommonJS builds, as require() finds them (an ES build's import.meta.url is empty in a CommonJS file).
  entryPoints: Object.fromEntries(VENDORED.map((name) => [`vendor/${name}`, createRequire(`${root}/package.json`).resolve(name)])),
  outdir: `${staging}/entry`,
  outExtension: { '.js': '.cjs' },
  minifyWhitespace: true,
  sourcemap: 'linked',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(
    ['precompiled-validators', ...Object.keys(validatorsSource.definitions).map((name) => `precompiled/${name}`)].map((name) => [name, `src/front-end/${name}.ts`]),
  ),
  outdir: `${staging}/entry`,
  outExtension: { '.js': '.cjs' },
  minifyWhitespace: true,
  sourcemap: 'linked',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['ajv'],
  logLevel: 'warning',
  plugins: [precompiledValidators, fastJsonPath],
});
// `dagc compile` and `dagc validate` (src/cli/entry-compile.ts) are a bundle of the same kind; they load the
// YAML parsers and the schema validators on every call, so those are in it, under its code cache.
// The emulators (and the ASL interpreter, JSONata and JSONPath under them, ~0.4 MB) are registered by
// library/targets.ts but never run by compile or validate: in that bundle their import() resolves to a module
// that says so, should a change ever reach one from there.
// prettier (~0.8 MB, a third of the bundle) prints only the rare JSON that json-text.ts leaves to it (src/emit/serialise.ts):
// its standalone build and three plugins are files of their own beside the bundle (dist/entry/prettier/),
// required when used, so that every other compile neither reads nor maps them (issue 16).
const PRETTIER_PARTS = ['standalone', 'plugins/babel', 'plugins/estree', 'plugins/yaml'];
const precompiledInline = {
  name: 'precompiled-inline',
  setup(b) {
    precompiledValidators.setup(b);
    b.onResolve({ filter: /^prettier\/(standalone|plugins\/(babel|estree|yaml))$/ }, (args) => ({
      path: `./prettier/${args.path.split('/').pop()}.cjs`,
      external: true,
    }));
    b.onResolve({ filter: /^\.\.\/emulate\/[a-z]+\/index\.js$/ }, (args) =>
      /src[\\/]library[\\/]targets\.ts$/.test(args.importer) ? { path: args.path, namespace: 'not-in-compile-bundle' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'not-in-compile-bundle' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`dagc: ${args.path} is not in dist/entry/compile.cjs (only compile and validate are; emulate runs from dist/main.js)`)});`,
      loader: 'js',
    }));
  },
};
// src/core/import-module.ts in a bundle bin/dagc.js runs: its import() is bin/dagc.js's (the wrapper's __dagcImport).
const hostImport = {
  name: 'host-import',
  setup(b) {
    b.onLoad({ filter: /src[\\/]core[\\/]import-module\.ts$/ }, () => ({
      contents: 'export function importModule(specifier) { return __dagcImport(specifier); }',
      loader: 'js',
    }));
  },
};
// Beside them, the worker that validates some parts of a split ASL machine (src/emit/asl/parts-check.ts), which
// the compile bundle starts when the parts are large: asl-validator's checks and the precompiled schema only.
for (const [name, source, plugin] of [
  ['entry', 'src/cli/entry-node.ts', validatorFiles],
  ['compile', 'src/cli/entry-compile.ts', precompiledInline],
  ['asl-check', 'src/emit/asl/validate-worker.ts', precompiledValidators],
]) await build({
  absWorkingDir: root,
  entryPoints: { [name]: source },
  outfile: `${staging}/entry/${name}.cjs`,
  // Less to parse when the code cache cannot be used; names are kept so that --debug stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['log-update', 'handlebars', '@babel/code-frame', '@viz-js/viz', '@aws-sdk/*', '@smithy/*', 'ajv', 'ajv-formats'],
  // import.meta.url (package-root.ts, lazy-crypto.ts, python-home.ts) is this file's URL, made when first read.
  define: { 'import.meta.url': '__dagcMeta.url' },
  banner: { js: MODULE_URL_BANNER },
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
  plugins: [plugin, hostImport, fastJsonPath],
});

// The prettier files the compile bundle requires, from the same ES builds the CLI's bundle takes.
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(PRETTIER_PARTS.map((part) => [`prettier/${part.split('/').pop()}`, `prettier/${part}`])),
  outdir: `${staging}/entry`,
  outExtension: { '.js': '.cjs' },
  minifyWhitespace: true,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

const old = `${root}/.dist-old-${process.pid}`;
if (existsSync(`${root}/dist`)) renameSync(`${root}/dist`, old);
renameSync(staging, `${root}/dist`);
rmSync(old, { recursive: true, force: true });

// A pipeline with the usual kinds of node, for compile's code cache.
const WARM_PIPELINE = `dag:
  start_at: prepare
  steps:
    prepare:
      type: task
      command_type: shell
      command: echo prepare
      catalog:
        put: [data/*.csv]
      next: fan
    fan:
      type: parallel
      branches:
        a:
          start_at: train
          steps:
            train: {type: task, command: pkg.train.main, next: success, retry: 2}
            success: {type: success}
            fail: {type: fail}
        b:
          start_at: wait
          steps:
            wait: {type: stub, next: success}
            success: {type: success}
            fail: {type: fail}
      next: each
    each:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: leaf
        steps:
          leaf: {type: task, command_type: shell, command: 'echo "$item"', next: success, on_failure: fail}
          success: {type: success}
          fail: {type: fail}
      next: success
    success:
      type: success
    fail:
      type: fail
`;

// The per-node entry's V8 code cache (bin/dagc.js loadEntry) is made here, by a `dagc exec` of a shell step in a
// scratch project, so that an install or an image starts with one that holds what a step runs (a pod's first
// call would otherwise compile everything and write a cache nobody reads). The `fan open` before it uses none.
{
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-warm-'));
  try {
    writeFileSync(path.join(dir, 'p.yaml'), 'dag:\n  start_at: s\n  steps:\n    s: {type: task, command_type: shell, command: "true", next: success}\n    success: {type: success}\n    fail: {type: fail}\n');
    const dagc = (args, env = {}) => spawnSync(process.execPath, [path.join(root, 'bin', 'dagc.js'), ...args, '-f', 'p.yaml'], { cwd: dir, stdio: 'ignore', env: { ...process.env, ...env } });
    dagc(['fan', 'open', 'warm'], { DAGC_NO_CODE_CACHE: '1' });
    dagc(['exec', 'warm', 's']);
    // compile's cache: validate, then the three targets, in one process (bin/dagc.js DAGC_CODE_CACHE_WARM).
    writeFileSync(path.join(dir, 'c.yaml'), WARM_PIPELINE);
    writeFileSync(path.join(dir, 'argo.yaml'), 'executor:\n  type: argo\n  config:\n    image: dagc-warm:1\n    persistent_volumes:\n      - name: pvc\n        mount_path: /mnt\nrun_log_store:\n  type: chunked-fs\n  config:\n    log_folder: /mnt/runs\ncatalog:\n  type: file-system\n  config:\n    catalog_location: /mnt/catalog\n');
    writeFileSync(path.join(dir, 'asl.yaml'), 'executor:\n  type: asl\n  config:\n    image: dagc-warm:1\n    compute: batch\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\nrun_log_store:\n  type: s3\n  config:\n    bucket: b\ncatalog:\n  type: s3\n  config:\n    bucket: b\n');
    const compile = (target, config) => ['compile', 'c.yaml', '--target', target, ...(config ? ['-c', config] : []), '-o', `out-${target}/`];
    spawnSync(process.execPath, [path.join(root, 'bin', 'dagc.js'), 'validate', 'c.yaml'], {
      cwd: dir,
      stdio: 'ignore',
      env: { ...process.env, DAGC_CODE_CACHE_WARM: JSON.stringify([compile('bash'), compile('argo', 'argo.yaml'), compile('asl', 'asl.yaml')]) },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
