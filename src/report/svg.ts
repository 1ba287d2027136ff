// DOT → SVG in this process with Graphviz compiled to WebAssembly (@viz-js/viz: no native `dot` binary to
// install). The package (~1.4 MB with its wasm) is imported here, lazily, so only `dagc graph --format svg`
// and `dagc report` ever load it. Graphviz's layout is deterministic, so the same DOT gives the same SVG.

import type { instance } from '@viz-js/viz';

type Viz = Awaited<ReturnType<typeof instance>>;
let viz: Promise<Viz> | undefined;

/** The SVG document Graphviz draws for `dot`; throws with Graphviz's own messages if the DOT is bad. */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const result = (await viz).render(dot, { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined)
    throw new Error(`Graphviz could not draw the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.output;
}

/**
 * The SVG element alone, for inlining into HTML: without the XML declaration and the DOCTYPE (whose URL a
 * browser does not fetch, but which has no place inside an HTML body) and without Graphviz's version comment.
 */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start < 0 ? svg : svg.slice(start).trimEnd();
}
