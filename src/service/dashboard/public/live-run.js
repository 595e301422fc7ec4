// A run as the page follows it: the tree read once, then kept current from the event stream; the
// run's summary; the selected node's document. Changes are drawn once per animation frame.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, followEvents } from './api.js';
import { liveStats } from './live-stats.js';
import { TreeModel } from './tree-model.js';

/** New nodes beyond this many at once are read with the whole tree rather than one by one. */
const fetchOneByOneUpTo = 25;

/** Trees up to this many nodes are read again every few seconds while events come (usage, results). */
const refreshTreesUpTo = 1000;

export class LiveRun {
  constructor(runId, onChange) {
    this.runId = runId;
    this.model = new TreeModel();
    this.summary = null;
    /** The run's status from the stream (fresher than the summary's). */
    this.status = null;
    /** Whether the stream is open; null before it first opens. */
    this.connected = null;
    this.error = null;
    this.selected = null;
    this.nodeDocument = null;
    this.onChange = onChange;
    this.unknown = new Set();
    this.fetching = false;
    this.timers = {};
    this.stopStream = () => undefined;
    this.ended = false;
    this.unsubscribe = this.model.subscribe(onChange);
  }

  path(suffix = '') {
    return `/v1/runs/${encodeURIComponent(this.runId)}${suffix}`;
  }

  async start() {
    const started = performance.now();
    void this.readSummary();
    await this.readTree();
    liveStats.firstRenderMs = performance.now() - started;
    // The stream replays every stored event first: let the tree be drawn before reading them.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    if (this.ended) return;
    this.stopStream = followEvents(this.runId, {
      onEvents: (batch) => this.applyEvents(batch),
      onConnection: (connected) => this.set({ connected }),
      onStatus: (status) => {
        this.set({ status });
        void this.readSummary();
        // Results, usage and attempts are not in the events: read them when the run settles.
        if (status !== 'running') void this.readTree();
      },
    });
  }

  stop() {
    this.ended = true;
    this.stopStream();
    this.unsubscribe();
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
  }

  set(fields) {
    Object.assign(this, fields);
    this.onChange();
  }

  /** Calls `action` in `ms`, once however often it is asked meanwhile. */
  soon(name, ms, action) {
    this.timers[name] ??= setTimeout(() => {
      delete this.timers[name];
      action();
    }, ms);
  }

  applyEvents(batch) {
    for (const { event } of batch) {
      if (!this.model.apply(event)) this.unknown.add(event.nodeId);
      if (event.nodeId === this.selected) this.soon('node', 150, () => this.readNode());
    }
    liveStats.applied(batch.length);
    if (this.model.nodes.size <= refreshTreesUpTo) this.soon('tree', 3000, () => this.readTree());
    if (this.unknown.size > 0) void this.readUnknown();
    this.soon('summary', 1000, () => this.readSummary());
  }

  readSummary() {
    return api(this.path()).then(
      (summary) => this.set({ summary }),
      (failure) => this.set({ error: failure.message }),
    );
  }

  readTree() {
    return api(this.path('/tree')).then(
      (tree) => {
        const first = this.model.rootId === null;
        this.model.load(tree);
        // A page opened on a node's address shows that node, however deep.
        if (first && this.selected) this.model.reveal(this.selected);
      },
      (failure) => this.set({ error: failure.message }),
    );
  }

  /** Shows a node in the panel (null: none). */
  select(nodeId) {
    this.selected = nodeId ?? null;
    this.set({ nodeDocument: null });
    if (!nodeId) return;
    this.model.reveal(nodeId);
    this.readNode();
  }

  readNode() {
    const id = this.selected;
    if (!id) return;
    api(this.path(`/nodes/${encodeURIComponent(id)}`)).then(
      (document) => {
        if (this.selected !== id) return;
        this.model.upsert(document.node);
        this.set({ nodeDocument: document });
      },
      (failure) => this.set({ error: failure.message }),
    );
  }

  /** Nodes the stream names before the page has them: a few are read one by one, many with the tree. */
  async readUnknown() {
    if (this.fetching) return;
    this.fetching = true;
    try {
      while (this.unknown.size > 0 && !this.ended) {
        const ids = [...this.unknown];
        this.unknown.clear();
        if (ids.length > fetchOneByOneUpTo) await this.readTree();
        else {
          const documents = await Promise.all(
            ids.map((id) => api(this.path(`/nodes/${encodeURIComponent(id)}`))),
          );
          if (!documents.every((document) => this.model.upsert(document.node))) await this.readTree();
        }
      }
    } catch (failure) {
      this.set({ error: failure.message });
    } finally {
      this.fetching = false;
    }
  }

  /** POST …/cancel or …/resume; answers a sentence for the page. */
  async act(what) {
    try {
      const answer = await api(this.path(`/${what}`), { method: 'POST', body: {} });
      void this.readSummary();
      return what === 'cancel'
        ? `Cancel: ${answer.outcome}; the run is ${answer.status}.`
        : `Resumed: the run is ${answer.status}.`;
    } catch (failure) {
      return `${failure.message}${failure.problem?.fix ? ` — ${failure.problem.fix}` : ''}`;
    }
  }
}

/** Follows a run while the component is mounted; re-renders it at most once per animation frame. */
export function useLiveRun(runId, nodeId) {
  const [, setTick] = useState(0);
  const live = useMemo(() => {
    let frame = 0;
    return new LiveRun(runId, () => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setTick((tick) => tick + 1);
        });
    });
  }, [runId]);
  useEffect(() => {
    void live.start();
    return () => live.stop();
  }, [live]);
  useEffect(() => live.select(nodeId), [live, nodeId]);
  return live;
}
