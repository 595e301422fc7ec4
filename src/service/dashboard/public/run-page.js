// One run: header with counts, tokens and cost; the tree as it grows (live from the event stream);
// a search box; the node panel; the dependency graph of a node's children; cancel and resume.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { GraphView, graphSource } from './graph-view.js';
import { useLiveRun } from './live-run.js';
import { NodePanel } from './node-panel.js';
import { TreeView } from './tree-view.js';
import {
  elapsed,
  estimateLeft,
  finishedRunStatuses,
  formatCost,
  formatDuration,
  formatTokens,
  runSymbols,
  statusOrder,
  statusSymbols,
  totalTokens,
} from './format.js';

/** A parent with more children than this is not drawn as a graph. */
const maxGraphChildren = 150;

/** Re-renders every second while `ticking`: an open run's elapsed time goes on between events. */
function useClock(ticking) {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (!ticking) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
}

/** `1 node`, `3 nodes`. */
const nodesWord = (count) => `${count} node${count === 1 ? '' : 's'}`;

/** Whose children the graph shows: the selected node's if it has any, else its parent's, else the root's. */
function graphParent(model, nodeId) {
  const node = nodeId ? model.nodes.get(nodeId) : null;
  if (!node) return model.rootId;
  if ((model.children.get(node.id)?.length ?? 0) > 0) return node.id;
  return node.parentId ?? model.rootId;
}

export function RunPage({ runId, nodeId }) {
  const live = useLiveRun(runId, nodeId);
  const { model } = live;
  const [search, setSearch] = useState('');
  const [showGraph, setShowGraph] = useState(false);
  const [notice, setNotice] = useState(null);
  /** Cancel asks once more before it stops the run's work. */
  const [confirmingCancel, setConfirmingCancel] = useState(false);

  const select = (id) => {
    location.hash = id
      ? `#/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(id)}`
      : `#/runs/${encodeURIComponent(runId)}`;
  };

  const filter = useMemo(() => {
    if (search.trim() === '') return null;
    const visible = new Set();
    for (const id of model.search(search)) {
      visible.add(id);
      for (const ancestor of model.nodes.get(id).ancestors) visible.add(ancestor);
    }
    return visible;
    // The root's version moves with every change in the tree: new nodes match as they come.
  }, [search, model.rootId === null ? -1 : model.version(model.rootId)]);

  const run = live.summary?.run;
  const runStatus = live.status ?? run?.status;
  useClock(!!run && !run.endedAt && !finishedRunStatuses.has(runStatus));
  if (live.missing)
    return html`<main class="run-page">
      <p class="crumbs"><a href="#/runs">Runs</a> › ${runId}</p>
      <h1>${`No run ${runId}`}</h1>
      <p class="error" role="alert">${`This server's store holds no run ${runId}. Check the address, or pick the run from the list of runs.`}</p>
    </main>`;
  const left = run && runStatus === 'running' ? estimateLeft(model.nodes.values(), run.limits.concurrency) : null;
  const act = async (what) => {
    setConfirmingCancel(false);
    setNotice(null);
    setNotice(await live.act(what));
  };
  const ended = !runStatus || finishedRunStatuses.has(runStatus);
  const graphOf = showGraph ? graphParent(model, nodeId) : null;
  const graphNode = graphOf ? model.nodes.get(graphOf) : null;

  return html`<main class="run-page">
    <header class="run-header">
      <p class="crumbs"><a href="#/runs">Runs</a> › ${runId}</p>
      <h1>${run ? run.prompt : runId}</h1>
      <div class="facts-line">
        ${runStatus ? html`<span class=${`badge run-${runStatus}`}>${`${runSymbols[runStatus]} ${runStatus}`}</span>` : null}
        ${live.connected === null ? null : html`<span class=${live.connected ? 'live' : 'live off'} role="status">${live.connected ? '● live' : '○ reconnecting…'}</span>`}
        <span>${nodesWord(model.nodes.size)}</span>
        ${statusOrder
          .filter((name) => (model.counts[name] ?? 0) > 0)
          .map(
            (name) =>
              html`<span class=${`count status-${name}`} title=${name}>${`${statusSymbols[name]} ${model.counts[name]} ${name}`}</span>`,
          )}
        ${
          run
            ? html`<span>${`${formatTokens(totalTokens(run.usage))} tok`}</span><span>${formatCost(run.usage.costUsd)}</span><span>${`${run.usage.calls} calls`}</span><span class="elapsed">${elapsed(run)}</span>`
            : null
        }
        ${left ? html`<span class="estimate" title="the unfinished nodes at the pace of the finished ones; the tree may still grow">${`≈ ${formatDuration(left.ms)} left (${nodesWord(left.nodes)} to go)`}</span>` : null}
      </div>
      <div class="toolbar">
        <label class="search">
          <span class="visually-hidden">Search nodes</span>
          <input type="search" placeholder="Search nodes by title, key or id" value=${search} onInput=${(event) => setSearch(event.currentTarget.value)} />
        </label>
        <button onClick=${() => setShowGraph(!showGraph)} disabled=${model.rootId === null} aria-pressed=${String(showGraph)}>${showGraph ? 'Hide the dependency graph' : 'Dependency graph'}</button>
        ${
          confirmingCancel && !ended
            ? html`<span class="confirm" role="group" aria-label="Cancel the run?">
                <span>Cancel the run? Its work in progress stops (a resume goes on from there).</span>
                <button class="danger" onClick=${() => act('cancel')}>Yes, cancel the run</button>
                <button onClick=${() => setConfirmingCancel(false)}>Keep it running</button>
              </span>`
            : html`<button class="danger" onClick=${() => setConfirmingCancel(true)} disabled=${ended}>Cancel run</button>`
        }
        <button onClick=${() => act('resume')} disabled=${!runStatus || ['completed', 'running'].includes(runStatus)}>Resume run</button>
      </div>
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      ${live.error ? html`<p class="error" role="alert">${live.error}</p>` : null}
    </header>
    ${
      graphNode
        ? (model.children.get(graphOf)?.length ?? 0) > maxGraphChildren
          ? html`<p class="notice">${`${graphNode.id} ${graphNode.title} has ${model.children.get(graphOf).length} children: too many to draw; select a smaller parent.`}</p>`
          : html`<${GraphView} source=${graphSource(model, graphOf)} title=${`${graphNode.id} ${graphNode.title}`} />`
        : null
    }
    <div class="run-body">
      <section class="tree-pane" aria-label="Tree">
        ${
          filter
            ? html`<p class="muted">${
                filter.size === 0
                  ? `No node's id, key or title holds “${search.trim()}”.`
                  : `${nodesWord(filter.size)} shown for “${search.trim()}” (matches and their ancestors).`
              }</p>`
            : null
        }
        <${TreeView} model=${model} selected=${nodeId} filter=${filter} onSelect=${select} />
      </section>
      ${
        nodeId
          ? html`<${NodePanel}
            document=${live.nodeDocument}
            lookup=${(id) => model.nodes.get(id)}
            onClose=${() => select(null)}
            onSelect=${select}
            onDecided=${() => live.readNode()}
          />`
          : null
      }
    </div>
  </main>`;
}
