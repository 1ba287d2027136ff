// The first line of each bundle bin/dagc.js runs (scripts/build.mjs): what `import.meta.url` becomes there
// (`__dagcMeta.url`, through esbuild's define), made when first read. A normalised absolute path of only these
// characters is its own URL's path (pathToFileURL escapes none of them; test/entrypoint-modules.test.ts checks
// it against pathToFileURL on random paths), which spares a step's process the URL parser (~0.3 ms); any other
// path is made by pathToFileURL.
export const MODULE_URL_BANNER =
  "var __dagcMeta = { get url() { return (this.href ??= /^(\\/(?!\\.\\.?(\\/|$))[\\w.-]+)+$/.test(__filename) ? 'file://' + __filename : require('node:url').pathToFileURL(__filename).href); } };";
