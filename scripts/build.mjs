// Builds dist/ with esbuild: one ESM bundle per CLI command (code splitting), so a command loads only what it
// imports. The runtime entrypoint (`dagc exec`) runs once per step, so its import graph must stay small
// (shared/notes/toolchain.md §6: a bundled yaml-only entry starts as fast as `node -e 0`).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Packages that are large, rarely needed or load their own files stay in node_modules.
  external: ['prettier', 'log-update', 'handlebars', '@babel/code-frame'],
  banner: {
    js: "import { createRequire as __dagcCreateRequire } from 'node:module'; const require = __dagcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
