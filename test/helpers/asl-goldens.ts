// The asl target's conformance goldens (fixtures/conformance/*/expected/asl.json), for the tests that put
// asl-validator and dagc's own running of its checks side by side.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export type Definition = {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [k: string]: unknown;
};

/** [fixture name, its ASL definition], in the fixtures' folder order. */
export function aslGoldens(): [string, Definition][] {
  const root = path.resolve('fixtures/conformance');
  return readdirSync(root)
    .map((name) => [name, path.join(root, name, 'expected', 'asl.json')] as const)
    .filter(([, f]) => existsSync(f))
    .map(([name, f]) => [name, JSON.parse(readFileSync(f, 'utf8')) as Definition]);
}
