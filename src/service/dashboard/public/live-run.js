// A run as the page follows it: the tree read once, then kept current from the event stream; the
// run's summary; the selected node's document. Changes are drawn once per animation frame.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, explain, followEvents } from './api.js';
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
    /** What went wrong, for the page: the first of {@link failures}, or why the stream ended. */
    this.error = null;
    /** The read that failed last, per kind (summary, tree, node, new nodes); a later success clears it. */
    this.failures = {};
    /** The run does not exist (the stream and the reads said 404): nothing to load or follow. */
    this.missing = false;
    /** Why the server closed the stream for good (a reason no reconnect mends), or null. */
    this.streamEnded = null;
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
    if (this.ended || this.missing) return;
    this.stopStream = followEvents(this.runId, {
      onEvents: (batch) => this.applyEvents(batch),
      onConnection: (connected) => this.set({ connected }),
      onEnd: (code, reason) =>
        this.set(
          code === 4004 ? { missing: true, connected: null } : { connected: null, streamEnded: reason },
        ),
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
    this.error =
      Object.values(this.failures).find((failure) => failure !== null) ??
      (this.streamEnded ? `The live stream ended: ${this.streamEnded}` : null);
    this.onChange();
  }

  /** Records how the read of `kind` went: a failure shows on the page until that read succeeds again. */
  noteRead(kind, failure = null) {
    if (failure?.status === 404 && (kind === 'summary' || kind === 'tree')) {
      this.stopStream();
      this.set({ missing: true, connected: null });
      return;
    }
    const said = failure ? explain(failure) : null;
    if ((this.failures[kind] ?? null) === said) return;
    this.failures[kind] = said;
    this.set({});
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
      (summary) => {
        this.failures.summary = null;
        this.set({ summary });
      },
      (failure) => this.noteRead('summary', failure),
    );
  }

  readTree() {
    return api(this.path('/tree')).then(
      (tree) => {
        const first = this.model.rootId === null;
        this.model.load(tree);
        // A page opened on a node's address shows that node, however deep.
        if (first && this.selected) this.model.reveal(this.selected);
        this.noteRead('tree');
      },
      (failure) => this.noteRead('tree', failure),
    );
  }

  /** Shows a node in the panel (null: none). */
  select(nodeId) {
    this.selected = nodeId ?? null;
    this.failures.node = null;
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
        this.failures.node = null;
        this.set({ nodeDocument: document });
      },
      (failure) => {
        if (this.selected !== id) return;
        // An unknown node is said in the panel, not as a failure of the page.
        if (failure.status === 404) this.set({ nodeDocument: { missing: id, detail: failure.message } });
        else this.noteRead('node', failure);
      },
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
      this.noteRead('unknown');
    } catch (failure) {
      this.noteRead('unknown', failure);
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
      return `${what === 'cancel' ? 'Cancel' : 'Resume'}: ${explain(failure)}`;
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
