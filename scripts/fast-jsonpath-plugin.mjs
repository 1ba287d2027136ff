// An esbuild plugin for every bundle scripts/build.mjs makes (and the tests that bundle the ASL worker): the
// `require("jsonpath-plus")` of asl-validator's own modules resolves to src/emit/asl/fast-jsonpath.ts, which
// answers the fixed queries its checks ask with a plain walk and hands anything else to jsonpath-plus (issue
// 16). dagc's other JSONPath users (the ASL emulator) keep the package.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const fastJsonPath = {
  name: 'fast-jsonpath',
  setup(b) {
    b.onResolve({ filter: /^jsonpath-plus$/ }, (args) =>
      /[\\/]node_modules[\\/]asl-validator[\\/]/.test(args.importer)
        ? { path: path.join(root, 'src', 'emit', 'asl', 'fast-jsonpath.ts') }
        : undefined,
    );
  },
};
