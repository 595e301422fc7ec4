import { randomUUID } from 'node:crypto';
import {
  agentRoles,
  ConflictError,
  type AgentRole,
  type Lease,
  type Run,
  type TaskNode,
} from '../domain/index.js';
import type { Store } from '../store/index.js';
import { PriorityQueue } from './priority-queue.js';
import type { TreeState } from './tree-state.js';

/** How a worker shares a run with other workers (`arbor worker`, DESIGN §8). */
export interface SharedRunOptions {
  /** This worker's name: recorded on leases and on the nodes it runs (`node.worker`). */
  workerId: string;
  /** The agents this worker runs; nodes that need another one are left to other workers. Default: all. */
  roles?: readonly AgentRole[];
  /** How long a claim lasts without renewal; renewed at a third of it while the worker works. */
  leaseMs: number;
  /**
   * How often to read what other workers changed while this worker is full (default 50 ms); with room
   * for more nodes it reads two and a half times as often, since what others changed may be work for it.
   */
  refreshMs?: number;
  /** How often to read the whole tree, in case a clock skew hid a change (default 30 s). */
  resyncMs?: number;
}

/** What {@link SharedRun} needs from the engine that drives the run in this process. */
export interface SharedRunHost {
  readonly store: Store;
  readonly runId: string;
  readonly tree: TreeState;
  /** Most nodes this worker holds at once in this run. */
  readonly capacity: number;
  /** A node another worker changed (or created): advance it and wake what waits on it. */
  changed(node: TaskNode): void;
  kick(nodeId: string): void;
  priorityOf(node: TaskNode): number;
  /** Takes a node whose holder's lease expired back to where another worker can claim it. */
  reclaim(node: TaskNode): Promise<void>;
  /** The run document as last read. */
  runRead(run: Run): void;
  failed(error: unknown): void;
}

/** Reads of changes overlap by this much, so a write that lands late is still seen. */
const overlapMs = 2_000;

interface WaitingClaim {
  nodeId: string;
  priority: number;
  sequence: number;
}

/**
 * The part of a run that workers share: which nodes this worker may claim (its roles, its capacity),
 * renewal of the leases it holds, a copy of the tree kept fresh by polling the nodes updated since
 * the last read, and reclaiming nodes whose holder's lease expired (a worker that died).
 */
export class SharedRun {
  readonly workerId: string;
  private readonly roles: ReadonlySet<AgentRole>;
  private readonly held = new Map<string, NodeJS.Timeout | null>();
  private readonly waiting = new PriorityQueue<WaitingClaim>((a, b) =>
    a.priority !== b.priority ? a.priority > b.priority : a.sequence < b.sequence,
  );
  private readonly queued = new Set<string>();
  private sequence = 0;
  private lastRead = Date.now() - overlapMs;
  private lastFullRead = Date.now();
  private lastReclaim = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly options: SharedRunOptions,
    private readonly host: SharedRunHost,
  ) {
    this.workerId = options.workerId;
    this.roles = new Set(options.roles ?? agentRoles);
  }

  /** True when this worker runs `role`. */
  serves(role: AgentRole): boolean {
    return this.roles.has(role);
  }

  /**
   * Takes a place for claiming `node` when this worker may: it serves the node's next agent, the node
   * is not claimed, and the worker has room (otherwise the node waits for room). The caller must
   * {@link release} the place once it is done with the node, whether the claim won or not.
   */
  tryClaim(node: TaskNode): boolean {
    const role = nextRole(node);
    if (role !== null && !this.serves(role)) return false;
    if (node.status === 'checking' && node.lease !== null) return false;
    if (this.held.has(node.id)) return false;
    if (this.held.size >= this.host.capacity) {
      if (!this.queued.has(node.id)) {
        this.queued.add(node.id);
        this.waiting.push({
          nodeId: node.id,
          priority: this.host.priorityOf(node),
          sequence: this.sequence++,
        });
      }
      return false;
    }
    this.held.set(node.id, null);
    return true;
  }

  /** A new lease for a claim by this worker. */
  newLease(): Lease {
    return { owner: this.workerId, token: randomUUID(), expiresAt: this.expiry() };
  }

  /** Keeps renewing the lease `node` carries until the node is released. */
  renew(node: TaskNode): void {
    const lease = node.lease;
    if (!lease || !this.held.has(node.id)) return;
    const previous = this.held.get(node.id);
    if (previous) clearInterval(previous);
    const timer = setInterval(
      () => {
        void this.host.store
          .renewLease({
            runId: this.host.runId,
            nodeId: node.id,
            token: lease.token,
            expiresAt: this.expiry(),
          })
          .then((renewed) => {
            // Taken over: the next write of the node fails with a conflict and this worker lets go.
            if (!renewed) clearInterval(timer);
          })
          .catch(() => undefined);
      },
      Math.max(Math.floor(this.options.leaseMs / 3), 10),
    );
    timer.unref();
    this.held.set(node.id, timer);
  }

  /** Gives back the place of a node this worker is done with, and lets a waiting node have it. */
  release(nodeId: string): void {
    const timer = this.held.get(nodeId);
    if (timer) clearInterval(timer);
    this.held.delete(nodeId);
    this.pump();
  }

  /** The nodes this worker holds now. */
  holding(): string[] {
    return [...this.held.keys()];
  }

  /** Starts polling the store for changes. */
  start(): void {
    this.stopped = false;
    this.scheduleRead();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    for (const timer of this.held.values()) if (timer) clearInterval(timer);
  }

  /** Reads what changed since the last read (everything, now and then) and merges it into the tree. */
  poll(): Promise<void> {
    this.polling ??= this.read().finally(() => (this.polling = null));
    return this.polling;
  }

  /**
   * Takes back nodes whose holder is gone, read fresh before each take-over: those whose lease
   * expired, and those a process that drove the run alone started without a lease (workers work a
   * run only while no such process holds it).
   */
  async reclaimExpired(): Promise<void> {
    this.lastReclaim = Date.now();
    const now = new Date().toISOString();
    const { store, runId, tree } = this.host;
    const abandoned = (node: TaskNode) =>
      !this.held.has(node.id) &&
      (node.lease === null
        ? node.status === 'running'
        : (node.status === 'running' || node.status === 'checking') && node.lease.expiresAt < now);
    for (const cached of [...tree.values()].filter(abandoned)) {
      const node = await store.getNode(runId, cached.id);
      if (!node) continue;
      if (node.version > cached.version) {
        tree.put(node);
        this.host.changed(node);
        continue;
      }
      // Renewed since we read it: renewals do not show in what changed, so keep the fresh lease.
      if (!abandoned(node)) {
        tree.put(node);
        continue;
      }
      try {
        await this.host.reclaim(node);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Someone else moved it first; the next read brings it.
      }
    }
  }

  private async read(): Promise<void> {
    const { store, runId, tree } = this.host;
    try {
      const started = Date.now();
      const full = started - this.lastFullRead >= (this.options.resyncMs ?? 30_000);
      const since = new Date(this.lastRead - overlapMs).toISOString();
      const nodes = full
        ? await store.listNodes(runId)
        : await store.listNodesUpdatedSince(runId, since, (id) => tree.get(id)?.version);
      this.lastRead = started;
      if (full) this.lastFullRead = started;
      this.merge(nodes, tree);
      const run = await store.getRun(runId);
      if (run) this.host.runRead(run);
      if (Date.now() - this.lastReclaim >= this.options.leaseMs / 4) await this.reclaimExpired();
      this.pump();
    } catch (error) {
      this.host.failed(error);
    }
  }

  private merge(nodes: readonly TaskNode[], tree: TreeState): void {
    const fresh = nodes.filter((node) => tree.get(node.id) === undefined);
    const known = new Set(fresh.map((node) => node.id));
    // A node joins once the siblings it depends on are there too (an insert may show in parts).
    const joining = fresh.filter((node) => node.dependsOn.every((id) => known.has(id) || tree.get(id)));
    tree.add(joining);
    for (const node of joining) this.host.changed(node);
    for (const node of nodes) {
      const cached = tree.get(node.id);
      if (!cached || known.has(node.id) || node.version <= cached.version) continue;
      tree.put(node);
      this.host.changed(node);
    }
  }

  /** Kicks waiting nodes while this worker has room. */
  private pump(): void {
    // A kicked node claims its place at once (synchronously), so the room left is always current.
    while (this.host.capacity > this.held.size) {
      const next = this.waiting.pop();
      if (!next) return;
      this.queued.delete(next.nodeId);
      const node = this.host.tree.get(next.nodeId);
      if (!node || !(node.status === 'ready' || (node.status === 'checking' && node.lease === null)))
        continue;
      this.host.kick(node.id);
    }
  }

  /** The next read: soon while this worker has room (others' changes may be work for it), else later. */
  private scheduleRead(): void {
    if (this.stopped) return;
    const full = this.options.refreshMs ?? 50;
    const delay = this.held.size < this.host.capacity ? full / 2.5 : full;
    this.timer = setTimeout(() => void this.poll().finally(() => this.scheduleRead()), delay);
    this.timer.unref();
  }

  private expiry(): string {
    return new Date(Date.now() + this.options.leaseMs).toISOString();
  }
}

/**
 * The agent a node's next step calls, or null when that step calls none (storing children, submitting
 * a result): what a worker must run to claim it.
 */
export function nextRole(node: TaskNode): AgentRole | null {
  if (node.status === 'checking') return 'checker';
  const { execution, plan, sequence } = node.pipeline;
  if (execution === null) return node.parentId === null ? 'planner' : 'executor';
  if (execution.action === 'complete') return null;
  if (plan === null) return 'planner';
  if (sequence === null) return 'sequencer';
  return null;
}
