// The run report as one HTML file that opens from disk with no network: CSS and script inline, the graph an
// inline SVG. Everything from the run log (step names, values, messages, output) is written as escaped text
// and never reaches the script: the script only toggles elements the page already holds, and a Content
// Security Policy allows no fetch at all and no script but this one (by its sha256), so a hostile step name
// or output can neither inject markup nor make the page load anything.
import { createHash } from 'node:crypto';
import type { DiagramGraph, DiagramNode, DiagramStatus } from './diagram.js';
import { STATUS_COLOURS } from './diagram.js';
import type { ReportAttempt, ReportData, ReportStep } from './model.js';

/** Text for HTML content and attribute values (quoted with "). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script type="application/json">: no `<` (so no `</script>`), and no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const e = escapeHtml;
const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
const seconds = (s: number) => `${s.toFixed(3)}s`;
const badge = (status: string) => `<span class="badge s-${e(status)}">${e(status)}</span>`;

const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;color:#1d1d1f}
body{margin:0}
header{padding:12px 20px;border-bottom:1px solid #ddd;background:#fafafa}
h1{font-size:18px;margin:0 0 6px}
h2{font-size:15px;margin:18px 0 8px}
h3{font-size:14px;margin:14px 0 6px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dl.summary dt{color:#666}
dl.summary dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(320px,2fr);gap:0}
.left{padding:0 20px 20px;border-right:1px solid #ddd;min-width:0}
.right{padding:0 20px 20px;min-width:0}
#detail-pane{position:sticky;top:0;max-height:100vh;overflow:auto}
.graph{overflow:auto;border:1px solid #eee;border-radius:6px;padding:6px;background:#fff}
.graph svg{max-width:100%;height:auto}
.graph g.step{cursor:pointer}
.graph g.selected>polygon,.graph g.selected>ellipse,.graph g.selected>path{stroke-width:3px;stroke:#1565c0}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;border:1px solid}
${Object.entries(STATUS_COLOURS)
  .map(([s, c]) => `.s-${s}{background:${c.fill};border-color:${c.line}}`)
  .join('\n')}
.legend span{margin-right:6px}
.gantt{display:grid;grid-template-columns:max-content 1fr;gap:3px 10px;align-items:center}
.gantt .label{font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:260px;cursor:pointer}
.gantt .track{position:relative;height:16px;background:#f4f4f4;border-radius:3px}
.gantt .bar{position:absolute;top:2px;height:12px;min-width:2px;border:1px solid;border-radius:2px;box-sizing:border-box;cursor:pointer}
.gantt .axis{grid-column:2;display:flex;justify-content:space-between;font-size:11px;color:#666}
ul.tree{list-style:none;padding-left:16px;margin:4px 0}
ul.tree>li{margin:2px 0}
ul.tree summary{cursor:pointer}
a.step{color:#0b57d0;cursor:pointer;text-decoration:none}
a.step:hover{text-decoration:underline}
.selected-row:not(.bar){background:#e3f2fd}
.gantt .bar.selected-row{outline:2px solid #1565c0}
table{border-collapse:collapse;margin:4px 0;width:100%}
th,td{border:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f5f5f5;font-weight:600}
td.v{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
tr.changed td{background:#fff8e1}
pre.output{background:#1e1e1e;color:#e0e0e0;padding:8px;border-radius:4px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all;font-size:12px}
.muted{color:#777;overflow-wrap:anywhere}
.message{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;color:#b71c1c}
`;

// The page's only script. It reads no run data except the node→steps map (JSON, never executed) and the ids
// that the server wrote; it shows and hides sections and marks the selection.
const SCRIPT = `
(function () {
  var nodes = JSON.parse(document.getElementById('node-steps').textContent);
  var current = document.getElementById('d-none');
  function show(id) {
    var target = document.getElementById('d-' + id);
    if (!target) return;
    if (current) current.hidden = true;
    target.hidden = false;
    current = target;
    document.querySelectorAll('.selected,.selected-row').forEach(function (el) { el.classList.remove('selected', 'selected-row'); });
    document.querySelectorAll('[data-step="' + id + '"]').forEach(function (el) { el.classList.add('selected-row'); });
    var node = target.getAttribute('data-node');
    if (node) [node, 'c' + node.slice(1)].forEach(function (n) { var g = document.getElementById(n); if (g) g.classList.add('selected'); });
    if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
  }
  document.addEventListener('click', function (ev) {
    var el = ev.target;
    while (el && el !== document) {
      if (el.getAttribute && el.getAttribute('data-step')) { ev.preventDefault(); show(el.getAttribute('data-step')); return; }
      var nodeId = el.id && el.id.charAt(0) === 'c' ? 'n' + el.id.slice(1) : el.id;
      if (el.classList && el.classList.contains('step') && nodeId && nodes[nodeId]) {
        var ids = nodes[nodeId];
        show(ids.length === 1 ? ids[0] : nodeId);
        return;
      }
      el = el.parentNode;
    }
  });
  var expand = document.getElementById('expand');
  expand.addEventListener('change', function () {
    document.getElementById('graph').hidden = !expand.checked;
    document.getElementById('overview').hidden = expand.checked;
  });
  var start = location.hash.slice(1);
  if (start) show(start);
})();
`;

function valueTable(rows: readonly [string, unknown][], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${e(empty)}</p>`;
  return `<table><tr><th>name</th><th>value</th></tr>${rows
    .map(([k, v]) => `<tr><td>${e(k)}</td><td class="v">${e(json(v))}</td></tr>`)
    .join('')}</table>`;
}

function parametersTable(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string {
  if (!before && !after) return '<p class="muted">no attempt recorded parameters</p>';
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  if (keys.length === 0) return '<p class="muted">no parameters</p>';
  const rows = keys.map((k) => {
    const b = before && Object.hasOwn(before, k) ? json(before[k]) : undefined;
    const a = after && Object.hasOwn(after, k) ? json(after[k]) : undefined;
    const changed = after !== undefined && a !== b;
    return `<tr${changed ? ' class="changed"' : ''}><td>${e(k)}</td><td class="v">${b === undefined ? '<span class="muted">—</span>' : e(b)}</td><td class="v">${
      after === undefined ? '<span class="muted">unknown</span>' : a === undefined ? '<span class="muted">—</span>' : e(a)
    }</td></tr>`;
  });
  return `<table><tr><th>parameter</th><th>before</th><th>after</th></tr>${rows.join('')}</table>`;
}

function attemptBlock(a: ReportAttempt): string {
  const out = a.output;
  let output = '<p class="muted">no captured output (catalog do-nothing, or not a task)</p>';
  if (out?.text !== undefined)
    output =
      `<p class="muted">catalogued as ${out.href ? `<a href="${e(out.href)}">${e(out.name)}</a>` : e(out.name)} · sha256 ${e(out.hash)}${out.truncated ? ` · first ${out.text.length} of ${out.truncated} characters` : ''}</p>` +
      (out.text === '' ? '<p class="muted">(empty)</p>' : `<pre class="output">${e(out.text)}</pre>`);
  else if (out) output = `<p class="muted">output ${e(out.name)} not readable: ${e(out.unavailable ?? '')}</p>`;
  return (
    `<h3>attempt ${a.number} ${badge(a.status)}</h3>` +
    `<p class="muted">${e(a.start)} → ${e(a.end)} (${e(seconds(a.duration))})</p>` +
    (a.message ? `<div class="message">${e(a.message)}</div>` : '') +
    output
  );
}

function stepDetail(step: ReportStep, nodeId: string | undefined, byId: Map<string, ReportStep>): string {
  const first = step.attempts[0];
  const parts = [
    `<section class="detail" id="d-${step.id}"${nodeId ? ` data-node="${nodeId}"` : ''} hidden>`,
    `<h2>${e(step.name)} ${badge(step.status)}${step.mock ? ' <span class="muted">(taken from an earlier run)</span>' : ''}</h2>`,
    `<dl class="summary"><dt>internal name</dt><dd>${e(step.internalName)}</dd><dt>type</dt><dd>${e(step.type)}</dd><dt>attempts</dt><dd>${step.attempts.length}</dd></dl>`,
    step.message ? `<div class="message">${e(step.message)}</div>` : '',
  ];
  if (step.branches.length) {
    parts.push(`<h3>${step.type === 'map' ? 'items' : 'branches'}</h3><ul>`);
    for (const b of step.branches) {
      const firstStep = b.steps[0] ? byId.get(b.steps[0]) : undefined;
      parts.push(
        `<li>${firstStep ? `<a class="step" href="#${firstStep.id}" data-step="${firstStep.id}">${e(b.label)}</a>` : e(b.label)} ${badge(b.status)} <span class="muted">${b.steps.length} steps</span></li>`,
      );
    }
    parts.push('</ul>');
  }
  parts.push('<h3>parameters</h3>', parametersTable(first?.parameters, step.parametersAfter));
  parts.push('<h3>metrics</h3>', valueTable(Object.entries(step.metrics), 'no metrics'));
  if (step.catalog.length) {
    parts.push('<h3>catalog</h3><table><tr><th>stage</th><th>name</th><th>sha256</th></tr>');
    for (const c of step.catalog)
      parts.push(
        `<tr><td>${e(c.stage || '-')}</td><td>${c.href ? `<a href="${e(c.href)}">${e(c.name)}</a>` : e(c.name)}<div class="muted">${e(c.location)}/${e(c.path)}</div></td><td class="v">${e(c.hash)}</td></tr>`,
      );
    parts.push('</table>');
  }
  for (const a of step.attempts) parts.push(attemptBlock(a));
  if (step.codeIdentities.length)
    parts.push(
      '<h3>code</h3><table><tr><th>kind</th><th>identity</th></tr>' +
        step.codeIdentities
          .map((c) => `<tr><td>${e(c.type)}</td><td class="v">${e(c.id ?? 'unknown')}${c.message ? ` <span class="muted">${e(c.message)}</span>` : ''}</td></tr>`)
          .join('') +
        '</table>',
    );
  parts.push('</section>');
  return parts.join('\n');
}

function tree(steps: readonly ReportStep[], ids: readonly string[], byId: Map<string, ReportStep>): string {
  const items = ids.map((id) => {
    const s = byId.get(id);
    if (!s) return '';
    const row = `<a class="step" href="#${s.id}" data-step="${s.id}">${e(s.name)}</a> ${badge(s.status)} <span class="muted">${e(s.type)}${
      s.attempts.length > 1 ? ` · ${s.attempts.length} attempts` : ''
    }</span>`;
    if (!s.branches.length) return `<li>${row}</li>`;
    const branches = s.branches
      .map(
        (b) =>
          `<li><details${b.status === 'FAIL' || s.branches.length <= 4 ? ' open' : ''}><summary>${e(b.kind === 'item' ? `item ${b.label}` : b.label)} ${badge(b.status)}</summary>${tree(steps, b.steps, byId)}</details></li>`,
      )
      .join('');
    return `<li><details open><summary>${row}</summary><ul class="tree">${branches}</ul></details></li>`;
  });
  return `<ul class="tree">${items.join('')}</ul>`;
}

function gantt(data: ReportData): string {
  const span = data.run.span || 1;
  const rows = data.steps.filter((s) => s.attempts.length && s.type !== 'success' && s.type !== 'fail');
  if (rows.length === 0) return '<p class="muted">no attempts</p>';
  const pct = (x: number) => `${Math.min(100, Math.max(0, (x / span) * 100)).toFixed(3)}%`;
  const body = rows.map((s) => {
    const bars = s.attempts
      .map(
        (a) =>
          `<span class="bar s-${e(a.status)}" data-step="${s.id}" style="left:${pct(a.offset)};width:${pct(a.duration)}" title="${e(
            `${s.internalName} · attempt ${a.number} · ${a.status} · ${seconds(a.duration)}`,
          )}"></span>`,
      )
      .join('');
    return `<div class="label" data-step="${s.id}" title="${e(s.internalName)}">${'\u00a0\u00a0'.repeat(s.depth)}${e(s.name)}</div><div class="track">${bars}</div>`;
  });
  return `<div class="gantt">${body.join('')}<div class="axis"><span>0s</span><span>${e(seconds(data.run.span))}</span></div></div>`;
}

/** Walk-order ids of drawn nodes → the steps that are instances of each (by template name). */
function nodeSteps(keys: readonly string[], steps: readonly ReportStep[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  keys.forEach((key, i) => (out[`n${i}`] = steps.filter((s) => s.template === key).map((s) => s.id)));
  return out;
}

function nodeDetails(graph: DiagramGraph, keys: readonly string[], map: Record<string, string[]>, byId: Map<string, ReportStep>): string {
  const nodes: DiagramNode[] = [];
  const collect = (g: DiagramGraph) => g.nodes.forEach((n) => (nodes.push(n), n.branches.forEach((b) => collect(b.graph))));
  collect(graph);
  const out: string[] = [];
  keys.forEach((key, i) => {
    const id = `n${i}`;
    const instances = map[id] ?? [];
    if (instances.length === 1) return;
    const node = nodes.find((n) => n.key === key);
    out.push(`<section class="detail" id="d-${id}" data-node="${id}" hidden><h2>${e(node?.name ?? key)} ${badge(node?.status ?? 'NOT_RUN')}</h2>`);
    if (instances.length === 0) out.push('<p class="muted">this step did not run in this run</p>');
    else {
      out.push(`<p>${instances.length} runs of this step (one per map item):</p><ul>`);
      for (const sid of instances) {
        const s = byId.get(sid);
        if (s) out.push(`<li><a class="step" href="#${s.id}" data-step="${s.id}">${e(s.internalName)}</a> ${badge(s.status)}</li>`);
      }
      out.push('</ul>');
    }
    out.push('</section>');
  });
  return out.join('\n');
}

export interface HtmlInputs {
  readonly data: ReportData;
  /** The drawing as an inline <svg> element (Graphviz output), and the internal name behind each `n<i>`. */
  readonly svg: string;
  /** The same drawing with every composite closed into one node (ids `c<i>`). */
  readonly overview: string;
  readonly keys: readonly string[];
}

export function renderHtml({ data, svg, overview, keys }: HtmlInputs): string {
  const byId = new Map(data.steps.map((s) => [s.id, s]));
  const map = nodeSteps(keys, data.steps);
  const nodeOf = new Map<string, string>();
  for (const [node, ids] of Object.entries(map)) for (const id of ids) nodeOf.set(id, node);
  const roots = data.steps.filter((s) => s.parent === '').map((s) => s.id);
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  const r = data.run;
  const legend = (Object.keys(STATUS_COLOURS) as DiagramStatus[]).map((s) => badge(s)).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // No default source at all: nothing may be fetched; styles inline; the one script by its hash.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>dagc run ${e(r.run_id)} · ${e(r.status)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>run ${e(r.run_id)} ${badge(r.status)}</h1>`,
    '<dl class="summary">',
    `<dt>tag</dt><dd>${e(r.tag || '-')}</dd>`,
    `<dt>started</dt><dd>${e(r.created_at)}</dd>`,
    `<dt>ended</dt><dd>${e(r.ended_at ?? '-')}</dd>`,
    `<dt>steps ran for</dt><dd>${e(seconds(r.span))}</dd>`,
    `<dt>dag hash</dt><dd>${e(r.dag_hash ?? '-')}</dd>`,
    ...(r.use_cached ? [`<dt>re-run of</dt><dd>${e(r.original_run_id)}</dd>`] : []),
    `<dt>parameters</dt><dd>${e(json(r.parameters))}</dd>`,
    '</dl>',
    '</header>',
    '<main>',
    '<div class="left">',
    `<h2>pipeline</h2><p class="legend">${legend}<span class="muted">click a step</span></p>`,
    // Composites open by default; the overview closes each into one node (the checkbox toggles, no script data).
    `<p><label><input type="checkbox" id="expand" checked> expand parallel, map and dag steps</label></p>`,
    `<div class="graph" id="graph">${svg}</div>`,
    `<div class="graph" id="overview" hidden>${overview}</div>`,
    '<h2>timeline</h2>',
    gantt(data),
    '<h2>steps</h2>',
    tree(data.steps, roots, byId),
    '</div>',
    '<div class="right"><div id="detail-pane">',
    '<section class="detail" id="d-none"><h2>details</h2><p class="muted">Click a step in the graph, the timeline or the list.</p></section>',
    ...data.steps.map((s) => stepDetail(s, nodeOf.get(s.id), byId)),
    nodeDetails(data.diagram, keys, map, byId),
    '</div></div>',
    '</main>',
    `<script type="application/json" id="node-steps">${scriptJson(map)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
