import { describe, expect, it } from 'vitest';
import { NESTED } from './diagram-fixtures.js';
import { enclosingMaps, resolveInternalName, walk, walkGraphs } from './walk.js';

describe('resolveInternalName', () => {
  it('replaces placeholders left to right with String() of the values', () => {
    expect(resolveInternalName('M.map_variable_placeholder.P.a.N.map_variable_placeholder.x', [1, 'b'])).toBe('M.1.P.a.N.b.x');
  });
  it('leaves a step that is merely called like the placeholder alone', () => {
    expect(resolveInternalName('map_variable_placeholder', ['v'])).toBe('map_variable_placeholder');
  });
  it('keeps placeholders when fewer values are given', () => {
    expect(resolveInternalName('M.map_variable_placeholder.s', [])).toBe('M.map_variable_placeholder.s');
  });
});

describe('walkGraphs and enclosingMaps', () => {
  it('yields every graph before its sub-graphs, in file order, and finds the maps around a node', () => {
    const graphs = [...walkGraphs(NESTED.root)].map((gr) => gr.internalName);
    expect(graphs).toEqual(['', 'fan.branch "a"', 'fan.b#1;<x>&`y`', 'fan.b#1;<x>&`y`.sub dag.dag', 'each.map_variable_placeholder']);
    // Every node the walk yields lives in one of these graphs, in the same order.
    const fromNodes = [...new Set([...walk(NESTED.root)].map((l) => l.graph.internalName))];
    expect(fromNodes).toEqual(graphs);
    const inMap = [...walk(NESTED.root)].find((l) => l.node.name === 'line\nbreak')!;
    expect(enclosingMaps(inMap.ancestors).map((m) => m.name)).toEqual(['each']);
    const inDag = [...walk(NESTED.root)].find((l) => l.node.name === 'inner')!;
    expect(inDag.ancestors.map((a) => a.name)).toEqual(['fan', 'sub dag']);
    expect(enclosingMaps(inDag.ancestors)).toEqual([]);
  });
});
