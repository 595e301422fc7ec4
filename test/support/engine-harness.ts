import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAgentsConfig, loadPromptTemplates, type AgentsConfig } from '../../src/agents/index.js';
import { defaultLimits, type AgentRole, type Limits, type TaskNode } from '../../src/domain/index.js';
import {
  createRun,
  RunEngine,
  type CreateRunOptions,
  type EngineEvent,
  type RedoRequest,
  type RunOutcome,
} from '../../src/engine/index.js';
import type { Model, ModelRequest } from '../../src/llm/model.js';
import { createScriptedModel, parseScript } from '../../src/llm/scripted/index.js';
import type { Store } from '../../src/store/index.js';
import { harnessStorage } from './harness-storage.js';
import type { StoreKind } from './stores-under-test.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** One model call as the engine made it. */
export interface RecordedCall {
  role: AgentRole;
  nodeId: string;
  title: string;
  attempt: number;
  request: ModelRequest;
  /** How many calls were in flight when this one started, itself included. */
  inFlight: number;
}

/** Options of {@link createHarness}. */
export interface HarnessOptions {
  /** A scripted-model definition (DESIGN §6), as an object; required unless `modelFor` is given. */
  script?: unknown;
  /** Real models per role (e.g. `createProviderModel` over msw) instead of the scripted model. */
  modelFor?: (role: AgentRole) => Model;
  /** The run's `--llm` as stored on it; `script:test` by default. */
  llm?: string;
  limits?: Partial<Limits>;
  prompt?: string;
  notes?: Array<{ path: string; content: string }>;
  waitForApprovals?: boolean;
  agents?: (agents: AgentsConfig) => AgentsConfig;
  /** The store the run lives in: `embedded` (default) or `mongodb` (a fresh database on `MONGODB_URI`). */
  store?: StoreKind;
  /** A written plan the root is planned by (issue 16), as `createRun` takes it. */
  plan?: CreateRunOptions['plan'];
  /** Waits between the tries of written steps (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A run on the embedded store in a temp dir (or a fresh MongoDB database), driven in-process by the scripted model: the way the
 * engine is tested (STYLE: never over HTTP). Records every call and the peak of calls in flight.
 * Provider tests pass `modelFor` to drive the same run through real provider models instead.
 */
export async function createHarness(options: HarnessOptions) {
  const dir = await mkdtemp(path.join(tmpdir(), 'arbor-engine-'));
  const storage = await harnessStorage(options.store ?? 'embedded', dir);
  let store: Store = await storage.open();
  const loaded = await loadAgentsConfig(path.join(repoRoot, 'agents'));
  const agents = options.agents ? options.agents(loaded) : loaded;
  const templates = await loadPromptTemplates(path.join(repoRoot, 'prompts'), agents);
  const calls: RecordedCall[] = [];
  const events: EngineEvent[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const recording = (inner: Model): Model => ({
    provider: inner.provider,
    modelId: inner.modelId,
    async generate(request) {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const { node } = request.subject;
      calls.push({
        role: request.role,
        nodeId: node.id,
        title: node.title,
        attempt: request.subject.attempt,
        request,
        inFlight,
      });
      try {
        return await inner.generate(request);
      } finally {
        inFlight--;
      }
    },
  });
  const recorded = new Map<Model, Model>();
  let modelFor: (role: AgentRole) => Model;
  if (options.modelFor) {
    const real = options.modelFor;
    modelFor = (role) => {
      const inner = real(role);
      let model = recorded.get(inner);
      if (!model) recorded.set(inner, (model = recording(inner)));
      return model;
    };
  } else {
    if (options.script === undefined) throw new Error('createHarness needs a script or modelFor');
    const model = recording(createScriptedModel({ script: parseScript(options.script, 'test script') }));
    modelFor = () => model;
  }
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const { run } = await createRun({
    store,
    prompt: options.prompt ?? 'Build a todo app',
    notes: (options.notes ?? []).map((note) => ({
      path: note.path,
      sha256: 'test',
      bytes: note.content.length,
    })),
    llm: options.llm ?? 'script:test',
    agentsDir: null,
    promptsDir: null,
    limits,
    ...(options.plan ? { plan: options.plan } : {}),
  });

  let engine: RunEngine | null = null;
  return {
    dir,
    runId: run.id,
    calls,
    events,
    get store() {
      return store;
    },
    get engine() {
      return engine;
    },
    peakInFlight: () => peakInFlight,
    /** Drives the run until it ends or waits for people; `limits` override the stored ones (resume). */
    async drive(
      overrides: {
        limits?: Partial<Limits>;
        reopenFailed?: boolean;
        waitForApprovals?: boolean;
        /** `resume --from-node`: the node to do again, and the reason its redo transitions record. */
        redo?: RedoRequest;
      } = {},
    ): Promise<RunOutcome> {
      let current = (await store.getRun(run.id))!;
      if (overrides.limits)
        current = await store.updateRun(run.id, { limits: { ...current.limits, ...overrides.limits } });
      engine = new RunEngine(
        {
          store,
          run: current,
          agents,
          templates,
          modelFor,
          notes: options.notes ?? [],
          owner: 'test',
          waitForApprovals: overrides.waitForApprovals ?? options.waitForApprovals ?? false,
          decisionPollMs: 20,
          outDir: path.join(dir, 'out'),
          reopenFailed: overrides.reopenFailed ?? false,
          ...(overrides.redo ? { redo: overrides.redo } : {}),
          onEvent: (event) => events.push(event),
          ...(options.sleep ? { sleep: options.sleep } : {}),
        },
        await store.listNodes(run.id),
      );
      // As `arbor run` and `resume` do: the driving process holds the run's lock.
      const lock = await store.acquireRun(run.id, 'test');
      try {
        return await engine.drive();
      } finally {
        await lock.release();
      }
    },
    /**
     * Drives the run with several workers sharing it (`RunEngine` in shared mode), each on its own
     * store instance as separate processes would be; resolves when every worker has left the run.
     */
    async driveShared(
      workers: ReadonlyArray<{ id: string; roles?: AgentRole[]; concurrency?: number; leaseMs?: number }>,
    ): Promise<RunOutcome[]> {
      const stores = await Promise.all(workers.map(() => storage.open()));
      try {
        return await Promise.all(
          workers.map(async (worker, index) => {
            const workerStore = stores[index]!;
            const current = (await workerStore.getRun(run.id))!;
            const shared = new RunEngine(
              {
                store: workerStore,
                run: {
                  ...current,
                  limits: {
                    ...current.limits,
                    concurrency: worker.concurrency ?? current.limits.concurrency,
                  },
                },
                agents,
                templates,
                modelFor,
                notes: options.notes ?? [],
                owner: worker.id,
                waitForApprovals: false,
                decisionPollMs: 20,
                outDir: path.join(dir, 'out'),
                onEvent: (event) => events.push(event),
                shared: {
                  workerId: worker.id,
                  roles: worker.roles,
                  leaseMs: worker.leaseMs ?? 5_000,
                  refreshMs: 20,
                },
              },
              await workerStore.listNodes(run.id),
            );
            return shared.drive();
          }),
        );
      } finally {
        for (const workerStore of stores) await workerStore.close();
      }
    },
    async nodes(): Promise<TaskNode[]> {
      return store.listNodes(run.id);
    },
    async node(title: string): Promise<TaskNode> {
      const found = (await store.listNodes(run.id)).find((node) => node.title === title);
      if (!found) throw new Error(`no node titled "${title}"`);
      return found;
    },
    /** Calls made for one role on the node with this title. */
    callsFor(role: AgentRole, title: string): RecordedCall[] {
      return calls.filter((call) => call.role === role && call.title === title);
    },
    /** A second store instance on the same folder or database, as another process would open it. */
    async openSecondStore(): Promise<Store> {
      return storage.open();
    },
    async reopenStore(): Promise<void> {
      await store.close();
      store = await storage.open();
    },
    async cleanup(): Promise<void> {
      await store.close();
      await storage.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A harness's type. */
export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A planner answer listing tasks; keys default from titles. */
export function tasks(
  ...list: Array<{
    key: string;
    title?: string;
    dependsOn?: string[];
    requiresApproval?: boolean;
    approvalReason?: string;
  }>
) {
  return {
    tasks: list.map((task) => ({
      key: task.key,
      title: task.title ?? task.key,
      description: `Do ${task.title ?? task.key}`,
      dependsOn: task.dependsOn ?? [],
      ...(task.requiresApproval
        ? { requiresApproval: true, approvalReason: task.approvalReason ?? 'needs sign-off' }
        : {}),
    })),
  };
}

/** The usual defaults: executors complete, checkers pass, sequencing is derived. */
export const passingDefaults = {
  sequencer: 'auto',
  executor: {
    action: 'complete',
    result: { summary: 'done: {{node.title}}', output: 'output of {{node.title}}' },
  },
  checker: { verdict: 'pass', feedback: 'ok' },
};
