// The dependency rule of ARCHITECTURE.md, as a checker over a module graph: files live in rooms, rooms are
// ordered, and an import may only point to its own room or a room below; no set of files may import each other
// in a cycle. The graph is read with the TypeScript compiler's parser (static imports, `export … from`, and
// `import()` with a literal), so what counts is what the code says, comments and strings excluded.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Both relative to the source root, '/' separated, e.g. 'cli/main.ts'. */
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

export interface ModuleGraph {
  readonly files: readonly string[];
  readonly edges: readonly ImportEdge[];
}

/** Room of a file: the first rule whose prefix (a folder with '/', or a file) matches wins. */
export interface Rooms {
  /** Rooms from the top (may import everything below) to the bottom (imports nothing of the others). */
  readonly order: readonly (readonly string[])[];
  /** Prefix → room. A prefix ending in '/' is a folder, else one file. */
  readonly members: Readonly<Record<string, string>>;
}

export interface Violation {
  readonly kind: 'upward' | 'cycle' | 'unplaced';
  readonly message: string;
}

/** The import specifiers of one TypeScript module, with whether each is erased at run time. */
export function importsOf(text: string, fileName = 'module.ts'): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      out.push({ specifier: node.argument.literal.text, typeOnly: true });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The graph of the .ts files under `root` (tests and declaration files left out: they are not the program). */
export function readModuleGraph(root: string): ModuleGraph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('__') && entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
        files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  files.sort();
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const { specifier, typeOnly } of importsOf(readFileSync(path.join(root, file), 'utf8'), file)) {
      if (!specifier.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      // Imports that leave the source root (the JSON schemas) are not modules of the program.
      if (known.has(target)) edges.push({ from: file, to: target, typeOnly });
    }
  }
  return { files, edges };
}

export function roomOf(file: string, rooms: Rooms): string | undefined {
  let best: string | undefined;
  let length = -1;
  for (const [prefix, room] of Object.entries(rooms.members)) {
    const matches = prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix;
    if (matches && prefix.length > length) [best, length] = [room, prefix.length];
  }
  return best;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
export function fileCycles(graph: ModuleGraph): string[][] {
  const next = new Map<string, string[]>(graph.files.map((f) => [f, []]));
  for (const e of graph.edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const f of graph.files) if (!index.has(f)) connect(f);
  return cycles;
}

/**
 * Every import (types included: they couple as much) that points to a room above its own or beside it, every
 * cycle of files that load each other, every file in no room.
 */
export function checkDependencies(graph: ModuleGraph, rooms: Rooms): Violation[] {
  const level = new Map<string, number>();
  rooms.order.forEach((tier, i) => tier.forEach((room) => level.set(room, i)));
  const violations: Violation[] = [];
  for (const file of graph.files) {
    const room = roomOf(file, rooms);
    if (room === undefined || !level.has(room)) violations.push({ kind: 'unplaced', message: `${file} is in no room of the order` });
  }
  for (const e of graph.edges) {
    const [a, b] = [roomOf(e.from, rooms), roomOf(e.to, rooms)];
    if (a === undefined || b === undefined || a === b) continue;
    const [la, lb] = [level.get(a), level.get(b)];
    if (la === undefined || lb === undefined) continue;
    // Rooms of one tier are siblings: neither may import the other.
    if (lb <= la) violations.push({ kind: 'upward', message: `${e.from} (${a}) imports ${e.to} (${b}), which is ${lb === la ? 'beside' : 'above'} it` });
  }
  // A cycle is of modules that load each other: `import type` is erased before anything loads.
  const loading = { files: graph.files, edges: graph.edges.filter((e) => !e.typeOnly) };
  for (const cycle of fileCycles(loading)) violations.push({ kind: 'cycle', message: `import cycle: ${cycle.join(' → ')}` });
  return violations;
}
