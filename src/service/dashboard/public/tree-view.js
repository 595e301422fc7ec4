// The tree as nested rows. Each row re-renders only when its node's version changes (something in
// its subtree moved), when the selection enters or leaves its subtree, or when the search changes.

import { Component } from 'preact';
import { html } from './html.js';
import { formatCost, formatTokens, statusSymbols, totalTokens } from './format.js';

/** The tree of a {@link TreeModel}; `filter` (a Set of ids) shows only those, unfolded. */
export function TreeView({ model, selected, filter, onSelect }) {
  if (model.rootId === null) return html`<p class="muted">Loading the tree…</p>`;
  if (filter && filter.size === 0) return null;
  const selectedNode = selected ? model.nodes.get(selected) : null;
  const path = new Set(selectedNode ? [...selectedNode.ancestors, selectedNode.id] : []);
  return html`<ul
    class="tree"
    role="tree"
    aria-label="Task tree (arrow keys move, fold and unfold)"
    onKeyDown=${(event) => moveFocus(event, model, filter)}
  >
    <${Row}
      model=${model}
      id=${model.rootId}
      version=${model.version(model.rootId)}
      selected=${selected}
      path=${path}
      filter=${filter}
      onSelect=${onSelect}
    />
  </ul>`;
}

/**
 * Arrow keys in the tree: up and down move between rows, right unfolds (or goes to the first
 * child), left folds (or goes to the parent), Home and End go to the first and last row.
 */
function moveFocus(event, model, filter) {
  const current = event.target.closest?.('button.node');
  if (!current) return;
  const rows = [...event.currentTarget.querySelectorAll('button.node')];
  const index = rows.indexOf(current);
  const item = current.closest('.tree-item');
  const id = item.dataset.nodeId;
  let next = null;
  if (event.key === 'ArrowDown') next = rows[index + 1];
  else if (event.key === 'ArrowUp') next = rows[index - 1];
  else if (event.key === 'Home') next = rows[0];
  else if (event.key === 'End') next = rows[rows.length - 1];
  else if (event.key === 'ArrowRight' && (model.children.get(id)?.length ?? 0) > 0) {
    if (!filter && !model.isOpen(id)) model.toggle(id);
    else next = rows[index + 1];
  } else if (event.key === 'ArrowLeft') {
    if ((model.children.get(id)?.length ?? 0) > 0 && model.isOpen(id) && id !== model.rootId)
      model.toggle(id);
    else next = item.parentElement.closest('.tree-item')?.querySelector(':scope > .row > button.node');
  } else return;
  event.preventDefault();
  next?.focus();
}

class Row extends Component {
  shouldComponentUpdate(next) {
    const before = this.props;
    const wasOnPath = before.path.has(before.id);
    const isOnPath = next.path.has(next.id);
    return (
      next.version !== before.version ||
      next.filter !== before.filter ||
      wasOnPath !== isOnPath ||
      (isOnPath && next.selected !== before.selected)
    );
  }

  render({ model, id, selected, path, filter, onSelect }) {
    const node = model.nodes.get(id);
    const all = model.children.get(id) ?? [];
    const open = filter ? true : model.isOpen(id);
    let shown = [];
    let hidden = 0;
    if (open && all.length > 0) {
      if (filter) shown = all.filter((child) => filter.has(child));
      else ({ ids: shown, hidden } = model.visibleChildren(id));
    }
    const tokens = totalTokens(node.usage);
    const facts = [];
    if (node.attempts > 0 && all.length === 0) facts.push(`attempt ${node.attempts}`);
    if (tokens > 0) facts.push(`${formatTokens(tokens)} tok · ${formatCost(node.usage.costUsd)}`);
    if (node.worker) facts.push(`worker ${node.worker}`);
    const note =
      node.status === 'awaiting_approval' && node.approval
        ? node.approval.decision
          ? `decided: ${node.approval.decision.action}`
          : node.approval.reason
        : node.error?.message;
    return html`<li
      class="tree-item"
      role="treeitem"
      aria-expanded=${all.length > 0 ? String(open) : undefined}
      data-node-id=${id}
      data-status=${node.status}
    >
      <div class=${`row${selected === id ? ' selected' : ''}`}>
        ${
          all.length > 0
            ? html`<button
                class="fold"
                aria-label=${`${open ? 'Fold' : 'Unfold'} ${node.title}`}
                disabled=${!!filter}
                onClick=${() => model.toggle(id)}
              >
                ${open ? '▾' : '▸'}
              </button>`
            : html`<span class="fold"></span>`
        }
        <button
          class=${`node status-${node.status}`}
          aria-current=${selected === id ? 'true' : undefined}
          onClick=${() => onSelect(id)}
        >
          <span class="symbol" aria-hidden="true">${statusSymbols[node.status]}</span>
          <span class="node-id">${id}</span>${' '}<span class="node-title">${node.title}</span>${' '}<span class="node-status">${node.status}</span>
        </button>
        ${facts.length > 0 ? html`<span class="facts">${facts.join(' · ')}</span>` : null}
        ${!open && all.length > 0 ? html`<span class="folded">+${model.subtreeSize(id)} nodes folded</span>` : null}
        ${note ? html`<span class=${`note status-${node.status}`}>— ${note}</span>` : null}
      </div>
      ${
        shown.length > 0 || hidden > 0
          ? html`<ul role="group">
              ${shown.map(
                (child) =>
                  html`<${Row}
                    key=${child}
                    model=${model}
                    id=${child}
                    version=${model.version(child)}
                    selected=${selected}
                    path=${path}
                    filter=${filter}
                    onSelect=${onSelect}
                  />`,
              )}
              ${
                hidden > 0
                  ? html`<li class="tree-item">
                      <button class="more" onClick=${() => model.showMore(id)}>
                        Show ${Math.min(hidden, 1000)} more of ${hidden} hidden
                      </button>
                    </li>`
                  : null
              }
            </ul>`
          : null
      }
    </li>`;
  }
}
