// One run: header with counts, tokens and cost; the tree as it grows (live from the event stream);
// a search box; the node panel; the dependency graph of a node's children; cancel and resume.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, followEvents } from './api.js';
import { html } from './html.js';
import { GraphView, graphSource } from './graph-view.js';
import { NodePanel } from './node-panel.js';
import { TreeModel } from './tree-model.js';
import { TreeView } from './tree-view.js';
import {
  elapsed,
  formatCost,
  formatTokens,
  runSymbols,
  statusOrder,
  statusSymbols,
  totalTokens,
} from './format.js';
import { liveStats } from './live-stats.js';

/** New nodes beyond this many at once are read with the whole tree rather than one by one. */
const fetchOneByOneUpTo = 25;

/** A parent with more children than this is not drawn as a graph. */
const maxGraphChildren = 150;

/** Whose children the graph shows: the selected node's if it has any, else its parent's, else the root's. */
function graphParent(model, nodeId) {
  const node = nodeId ? model.nodes.get(nodeId) : null;
  if (!node) return model.rootId;
  if ((model.children.get(node.id)?.length ?? 0) > 0) return node.id;
  return node.parentId ?? model.rootId;
}

/** Trees up to this many nodes are read again every few seconds while events come. */
const refreshTreesUpTo = 1000;

export function RunPage({ runId, nodeId }) {
  const model = useMemo(() => new TreeModel(), [runId]);
  const [, setTick] = useState(0);
  const [summary, setSummary] = useState(null);
  const [status, setStatus] = useState(null);
  const [error, setError] = useState(null);
  const [search, setSearch] = useState('');
  const [showGraph, setShowGraph] = useState(false);
  const [nodeDocument, setNodeDocument] = useState(null);
  const [notice, setNotice] = useState(null);
  const [connected, setConnected] = useState(null);
  const selected = useRef(nodeId);
  selected.current = nodeId;

  const select = (id) => {
    location.hash = id
      ? `#/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(id)}`
      : `#/runs/${encodeURIComponent(runId)}`;
  };

  // Loads, then follows: one render per animation frame, however many events arrive.
  const live = useMemo(
    () => ({
      frame: 0,
      unknown: new Set(),
      fetching: false,
      summaryTimer: null,
      nodeTimer: null,
      treeTimer: null,
    }),
    [runId],
  );
  const readSummary = () => api(`/v1/runs/${encodeURIComponent(runId)}`).then(setSummary, setError);
  const readNode = () => {
    const id = selected.current;
    if (!id) return;
    api(`/v1/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(id)}`).then(
      (document) => {
        if (selected.current !== id) return;
        setNodeDocument(document);
        model.upsert(document.node);
      },
      (failure) => setError(failure.message),
    );
  };
  const readTree = () =>
    api(`/v1/runs/${encodeURIComponent(runId)}/tree`).then(
      (tree) => model.load(tree),
      (failure) => setError(failure.message),
    );

  useEffect(() => {
    const unsubscribe = model.subscribe(() => {
      if (live.frame === 0)
        live.frame = requestAnimationFrame(() => {
          live.frame = 0;
          setTick((tick) => tick + 1);
        });
    });
    let stop = () => undefined;
    let ended = false;
    const started = performance.now();
    readSummary();
    const afterFirstDraw = () =>
      new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    readTree().then(async () => {
      liveStats.firstRenderMs = performance.now() - started;
      // The stream replays every stored event first: let the tree be drawn before reading them.
      await afterFirstDraw();
      if (ended) return;
      stop = followEvents(runId, {
        onEvents: (batch) => {
          for (const { event } of batch) {
            if (!model.apply(event)) live.unknown.add(event.nodeId);
            if (event.nodeId === selected.current) {
              clearTimeout(live.nodeTimer);
              live.nodeTimer = setTimeout(readNode, 150);
            }
          }
          liveStats.applied(batch.length);
          // A small tree is read again now and then for what events do not carry (usage, results).
          if (model.nodes.size <= refreshTreesUpTo)
            live.treeTimer ??= setTimeout(() => {
              live.treeTimer = null;
              void readTree();
            }, 3000);
          if (live.unknown.size > 0) readUnknown();
          live.summaryTimer ??= setTimeout(() => {
            live.summaryTimer = null;
            readSummary();
          }, 1000);
        },
        onConnection: setConnected,
        onStatus: (next) => {
          setStatus(next);
          readSummary();
          // Results, usage and attempts are not in the events: read them when the run settles.
          if (next !== 'running') void readTree();
        },
      });
    });
    return () => {
      ended = true;
      stop();
      unsubscribe();
      cancelAnimationFrame(live.frame);
      clearTimeout(live.summaryTimer);
      clearTimeout(live.nodeTimer);
      clearTimeout(live.treeTimer);
    };
  }, [runId]);

  // Nodes the stream names before the page has them: a few are read one by one, many with the tree.
  const readUnknown = async () => {
    if (live.fetching) return;
    live.fetching = true;
    try {
      while (live.unknown.size > 0) {
        const ids = [...live.unknown];
        live.unknown.clear();
        if (ids.length > fetchOneByOneUpTo) await readTree();
        else {
          const documents = await Promise.all(
            ids.map((id) => api(`/v1/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(id)}`)),
          );
          if (!documents.every((document) => model.upsert(document.node))) await readTree();
        }
      }
    } catch (failure) {
      setError(failure.message);
    } finally {
      live.fetching = false;
    }
  };

  useEffect(() => {
    setNodeDocument(null);
    if (nodeId) {
      model.reveal(nodeId);
      readNode();
    }
  }, [runId, nodeId]);

  const filter = useMemo(() => {
    if (search.trim() === '') return null;
    const visible = new Set();
    for (const id of model.search(search)) {
      visible.add(id);
      for (const ancestor of model.nodes.get(id).ancestors) visible.add(ancestor);
    }
    return visible;
  }, [search, model.rootId === null]);

  const run = summary?.run;
  const runStatus = status ?? run?.status;
  const act = async (what) => {
    setNotice(null);
    try {
      const answer = await api(`/v1/runs/${encodeURIComponent(runId)}/${what}`, { method: 'POST', body: {} });
      setNotice(
        what === 'cancel'
          ? `Cancel: ${answer.outcome}; the run is ${answer.status}.`
          : `Resumed: the run is ${answer.status}.`,
      );
      readSummary();
    } catch (failure) {
      setNotice(`${failure.message}${failure.problem?.fix ? ` — ${failure.problem.fix}` : ''}`);
    }
  };

  const graphOf = showGraph ? graphParent(model, nodeId) : null;
  const graphNode = graphOf ? model.nodes.get(graphOf) : null;
  const total = model.nodes.size;
  return html`<main class="run-page">
    <header class="run-header">
      <p class="crumbs"><a href="#/runs">Runs</a> › ${runId}</p>
      <h1>${run ? run.prompt : runId}</h1>
      <div class="facts-line">
        ${runStatus ? html`<span class=${`badge run-${runStatus}`}>${runSymbols[runStatus]} ${runStatus}</span>` : null}
        ${connected === null ? null : html`<span class=${connected ? 'live' : 'live off'} role="status">${connected ? '● live' : '○ reconnecting…'}</span>`}
        <span>${total} nodes</span>
        ${statusOrder
          .filter((name) => (model.counts[name] ?? 0) > 0)
          .map(
            (name) =>
              html`<span class=${`count status-${name}`} title=${name}>${`${statusSymbols[name]} ${model.counts[name]} ${name}`}</span>`,
          )}
        ${run ? html`<span>${formatTokens(totalTokens(run.usage))} tok</span><span>${formatCost(run.usage.costUsd)}</span><span>${run.usage.calls} calls</span><span>${elapsed(run)}</span>` : null}
      </div>
      <div class="toolbar">
        <label class="search">
          <span class="visually-hidden">Search nodes</span>
          <input
            type="search"
            placeholder="Search nodes by title, key or id"
            value=${search}
            onInput=${(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <button
          onClick=${() => setShowGraph(!showGraph)}
          disabled=${model.rootId === null}
          aria-pressed=${String(showGraph)}
        >
          ${showGraph ? 'Hide the dependency graph' : 'Dependency graph'}
        </button>
        <button
          class="danger"
          onClick=${() => act('cancel')}
          disabled=${!runStatus || runStatus === 'completed' || runStatus === 'cancelled' || runStatus === 'failed'}
        >
          Cancel run
        </button>
        <button
          onClick=${() => act('resume')}
          disabled=${!runStatus || runStatus === 'completed' || runStatus === 'running'}
        >
          Resume run
        </button>
      </div>
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </header>
    ${
      graphNode
        ? (model.children.get(graphOf)?.length ?? 0) > maxGraphChildren
          ? html`<p class="notice">${`${graphNode.id} ${graphNode.title} has ${model.children.get(graphOf).length} children: too many to draw; select a smaller parent.`}</p>`
          : html`<${GraphView}
              source=${graphSource(model, graphOf)}
              title=${`${graphNode.id} ${graphNode.title}`}
            />`
        : null
    }
    <div class="run-body">
      <section class="tree-pane" aria-label="Tree">
        ${filter ? html`<p class="muted">${filter.size} nodes shown for “${search}” (matches and their ancestors).</p>` : null}
        <${TreeView} model=${model} selected=${nodeId} filter=${filter} onSelect=${select} />
      </section>
      ${
        nodeId
          ? html`<${NodePanel}
              document=${nodeDocument}
              lookup=${(id) => model.nodes.get(id)}
              onClose=${() => select(null)}
              onSelect=${select}
              onDecided=${() => readNode()}
            />`
          : null
      }
    </div>
  </main>`;
}
