// Builds dist/ with esbuild: one ESM bundle per CLI command (code splitting), so a command loads only what it
// imports. The runtime entrypoint (`dagc exec`) runs once per step, so its import graph must stay small
// (shared/notes/toolchain.md §6: a bundled yaml-only entry starts as fast as `node -e 0`).
import { build } from 'esbuild';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  try {
    await build({
      absWorkingDir: root,
      entryPoints: ['src/front-end/schema-compile.ts'],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      // ajv is bundled in: the temp folder has no node_modules to resolve it from.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    const compile = await import(pathToFileURL(out).href);
    // The config's provider definitions compile apart, one module each, loaded only when a config names
    // their type (schema-compile.ts sectionDefinitions says why).
    const definitions = Object.fromEntries(compile.splitDefinitions().map((name) => [name, compile.standaloneDefinitionSource(name)]));
    return { main: compile.standaloneValidatorsSource(), definitions };
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
  plugins: [precompiledValidators],
});

// The per-node entry (`dagc exec`, `dagc fan`; src/cli/entry-node.ts) is built again on its own: with one entry
// point, what it imports statically is one module and only its dynamic imports are chunks, where the CLI's
// bundle splits it into some forty modules shared with other commands, each one resolved and linked at every
// step's start (issue 16). bin/dagc.js picks it for those two commands.
await build({
  absWorkingDir: root,
  entryPoints: { entry: 'src/cli/entry-node.ts' },
  outdir: `${staging}/entry`,
  // Less to parse at every step's start; names are kept so that --debug stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['log-update', 'handlebars', '@babel/code-frame', '@viz-js/viz'],
  banner: {
    js: "import { createRequire as __dagcCreateRequire } from 'node:module'; const require = __dagcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [precompiledValidators],
});

const old = `${root}/.dist-old-${process.pid}`;
if (existsSync(`${root}/dist`)) renameSync(`${root}/dist`, old);
renameSync(staging, `${root}/dist`);
rmSync(old, { recursive: true, force: true });
