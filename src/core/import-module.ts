// import() of a module from outside dagc's bundle: a plugin named by a config, an ES module maybe. The ES build
// (dist/main.js) and the sources use import() itself; dagc's CommonJS bundles (dist/entry/*.cjs, loaded by
// bin/dagc.js through vm.Script) replace this file (scripts/build.mjs) with a call to the import() of bin/dagc.js,
// since a vm.Script's own import() needs --experimental-vm-modules or an experimental option on Node 20.
export function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}
