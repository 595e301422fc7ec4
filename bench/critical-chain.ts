import type { ModelCall, Run, TaskNode } from '../src/domain/index.js';

/** One kind of time on a run's realized critical chain: how much in all, over how many hops. */
export interface ChainPart {
  kind: string;
  totalMs: number;
  hops: number;
}

/** Where a run's time went along the chain of calls that ended it. */
export interface CriticalChain {
  /** Calls on the chain (the bench's bound counts D of them). */
  calls: number;
  /** From the run's creation to its end. */
  spanMs: number;
  /** The chain's time by kind, largest first; together they make up `spanMs`. */
  parts: ChainPart[];
}

interface TimedCall {
  nodeId: string;
  role: ModelCall['role'];
  startedAt: number;
  endedAt: number;
}

/**
 * Walks back from a finished run's last call along what each call waited for: the call before it
 * on its node, else the latest of its parent's sequencer call (its children are inserted after it)
 * and the ends of its dependencies (a dependency is done with the last call in its subtree). Each
 * hop is one kind of time: a call's `latencyMs` (the model's), what the call took beyond it (the
 * event loop was late), or a gap named by what it lies between (stored writes, waits for a slot,
 * roll-ups). Which parts grow tells where a run loses time against the bound.
 */
export function criticalChain(options: {
  run: Run;
  nodes: readonly TaskNode[];
  calls: readonly ModelCall[];
  latencyMs: number;
}): CriticalChain {
  const { run, nodes, latencyMs } = options;
  const callsOf = new Map<string, TimedCall[]>();
  for (const call of options.calls) {
    const timed = { nodeId: call.nodeId, role: call.role, startedAt: Date.parse(call.startedAt), endedAt: Date.parse(call.endedAt) };
    callsOf.set(call.nodeId, [...(callsOf.get(call.nodeId) ?? []), timed]);
  }
  for (const list of callsOf.values()) list.sort((a, b) => a.startedAt - b.startedAt);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const children = new Map<string, TaskNode[]>();
  for (const node of nodes)
    if (node.parentId !== null) children.set(node.parentId, [...(children.get(node.parentId) ?? []), node]);
  const lastOf = new Map<string, TimedCall | null>();
  /** The call that ends a node's subtree last. */
  const last = (nodeId: string): TimedCall | null => {
    if (lastOf.has(nodeId)) return lastOf.get(nodeId)!;
    let latest: TimedCall | null = null;
    for (const call of callsOf.get(nodeId) ?? []) if (!latest || call.endedAt > latest.endedAt) latest = call;
    for (const child of children.get(nodeId) ?? []) {
      const candidate = last(child.id);
      if (candidate && (!latest || candidate.endedAt > latest.endedAt)) latest = candidate;
    }
    lastOf.set(nodeId, latest);
    return latest;
  };
  const parts = new Map<string, ChainPart>();
  const add = (kind: string, ms: number) => {
    const part = parts.get(kind) ?? { kind, totalMs: 0, hops: 0 };
    part.totalMs += ms;
    part.hops++;
    parts.set(kind, part);
  };
  const root = nodes.find((node) => node.parentId === null);
  let call = root ? last(root.id) : null;
  const endedAt = Date.parse(run.endedAt ?? run.updatedAt);
  const createdAt = Date.parse(run.createdAt);
  if (call) add('last call → run ended', endedAt - call.endedAt);
  let count = 0;
  while (call) {
    count++;
    add(`model latency (${latencyMs} ms a call)`, Math.min(latencyMs, call.endedAt - call.startedAt));
    add(`${call.role} call beyond its latency`, Math.max(0, call.endedAt - call.startedAt - latencyMs));
    const onNode = callsOf.get(call.nodeId)!;
    const index = onNode.indexOf(call);
    if (index > 0) {
      add(`${onNode[index - 1]!.role} → ${call.role} on a node`, call.startedAt - onNode[index - 1]!.endedAt);
      call = onNode[index - 1]!;
      continue;
    }
    const node = byId.get(call.nodeId);
    let before: TimedCall | null = null;
    let kind = '';
    if (node?.parentId) {
      before = callsOf.get(node.parentId)?.find((each) => each.role === 'sequencer') ?? null;
      kind = "parent's sequencer → child's first call";
    }
    for (const dependency of node?.dependsOn ?? []) {
      const done = last(dependency);
      if (done && (!before || done.endedAt > before.endedAt)) {
        before = done;
        kind = "dependency's last call → dependent's first call";
      }
    }
    if (!before) {
      add('run created → first call', call.startedAt - createdAt);
      break;
    }
    add(kind, call.startedAt - before.endedAt);
    call = before;
  }
  return {
    calls: count,
    spanMs: endedAt - createdAt,
    parts: [...parts.values()].sort((a, b) => b.totalMs - a.totalMs),
  };
}

/** The chains of several runs as one: each part's mean per run, and its mean per hop. */
export function meanChain(chains: readonly CriticalChain[]): Array<{ kind: string; msPerRun: number; msPerHop: number; hopsPerRun: number }> {
  const totals = new Map<string, ChainPart>();
  for (const chain of chains)
    for (const part of chain.parts) {
      const total = totals.get(part.kind) ?? { kind: part.kind, totalMs: 0, hops: 0 };
      total.totalMs += part.totalMs;
      total.hops += part.hops;
      totals.set(part.kind, total);
    }
  const round = (value: number) => Math.round(value * 10) / 10;
  return [...totals.values()]
    .sort((a, b) => b.totalMs - a.totalMs)
    .map((part) => ({
      kind: part.kind,
      msPerRun: round(part.totalMs / chains.length),
      msPerHop: round(part.totalMs / part.hops),
      hopsPerRun: round(part.hops / chains.length),
    }));
}
