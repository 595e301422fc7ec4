// A decomposed node's children as a dependency graph: its parallel groups as boxes, dependsOn as
// arrows, drawn by Mermaid (served by Arbor from its node_modules, loaded the first time it is needed).

import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { statusSymbols } from './format.js';

let loading = null;

/** Loads Mermaid's browser build once. */
function loadMermaid() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dashboard/vendor/mermaid.js';
    script.onload = () => {
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: 'neutral',
        flowchart: { htmlLabels: false },
      });
      resolve(window.mermaid);
    };
    script.onerror = () => reject(new Error('could not load Mermaid'));
    document.head.append(script);
  });
  return loading;
}

const mermaidId = (id) => `n${id.replace(/[^A-Za-z0-9]/g, '_')}`;
const label = (text) => text.replace(/["#<>]/g, (character) => `#${character.charCodeAt(0)};`);

/** The Mermaid flowchart of `parentId`'s children: one subgraph per group, an arrow per dependency. */
export function graphSource(model, parentId) {
  const children = (model.children.get(parentId) ?? []).map((id) => model.nodes.get(id));
  const lines = ['flowchart LR'];
  const groups = new Map();
  for (const child of children) {
    const group = child.group ?? -1;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(child);
  }
  for (const [group, members] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    if (group >= 0) lines.push(`  subgraph g${group}["group ${group}"]`);
    for (const child of members)
      lines.push(
        `    ${mermaidId(child.id)}["${label(`${statusSymbols[child.status]} ${child.id} ${child.title}${child.integration ? ' (integration)' : ''}`)}"]:::${child.status}`,
      );
    if (group >= 0) lines.push('  end');
  }
  const ids = new Set(children.map((child) => child.id));
  for (const child of children)
    for (const dependency of child.dependsOn)
      if (ids.has(dependency)) lines.push(`  ${mermaidId(dependency)} --> ${mermaidId(child.id)}`);
  const colours = {
    pending: '#9ca3af',
    ready: '#e5e7eb',
    running: '#06b6d4',
    decomposed: '#3b82f6',
    checking: '#d946ef',
    awaiting_approval: '#eab308',
    completed: '#22c55e',
    failed: '#ef4444',
    skipped: '#9ca3af',
    cancelled: '#9ca3af',
  };
  for (const [status, colour] of Object.entries(colours))
    lines.push(`  classDef ${status} stroke:${colour},stroke-width:3px`);
  return lines.join('\n');
}

let counter = 0;

/** Narrower than this (CSS px), a graph is not shrunk to fit: its box scrolls instead. */
const minGraphWidth = 640;

/**
 * A graph fits its box's width, but is never shrunk below its own width or {@link minGraphWidth},
 * whichever is less: on a phone the text stays readable and the box scrolls.
 */
function keepReadable(svg) {
  if (!svg) return;
  // Mermaid writes the drawing's own width as the SVG's max-width.
  const own = Number.parseFloat(svg.style.maxWidth) || svg.viewBox.baseVal?.width || 0;
  if (own > 0) svg.style.minWidth = `${Math.min(own, minGraphWidth)}px`;
}

/** The graph of a node's children, redrawn when `source` changes. */
export function GraphView({ source, title }) {
  const target = useRef(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let current = true;
    loadMermaid()
      .then((mermaid) => mermaid.render(`arbor-graph-${(counter += 1)}`, source))
      .then(({ svg }) => {
        if (current && target.current) {
          target.current.innerHTML = svg;
          keepReadable(target.current.querySelector('svg'));
          setError(null);
        }
      })
      .catch((failure) => current && setError(failure.message));
    return () => {
      current = false;
    };
  }, [source]);
  return html`<figure class="graph" aria-label=${`Dependency graph of ${title}`}>
    <figcaption>${`Dependencies among the children of ${title}: boxes are the groups that run in parallel, arrows are dependsOn.`}</figcaption>
    ${error ? html`<p class="error">${error}</p>` : null}
    <div class="graph-svg" ref=${target}></div>
  </figure>`;
}
