import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAgentsConfig, loadPromptTemplates, type AgentsConfig } from '../../src/agents/index.js';
import { defaultLimits, type AgentRole, type Limits, type TaskNode } from '../../src/domain/index.js';
import { createRun, RunEngine, type EngineEvent, type RunOutcome } from '../../src/engine/index.js';
import type { Model, ModelRequest } from '../../src/llm/model.js';
import { createScriptedModel, parseScript } from '../../src/llm/scripted/index.js';
import { openEmbeddedStore, type Store } from '../../src/store/index.js';

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
  /** A scripted-model definition (DESIGN §6), as an object. */
  script: unknown;
  limits?: Partial<Limits>;
  prompt?: string;
  notes?: Array<{ path: string; content: string }>;
  waitForApprovals?: boolean;
  agents?: (agents: AgentsConfig) => AgentsConfig;
}

/**
 * A run on the embedded store in a temp dir, driven in-process by the scripted model: the way the
 * engine is tested (STYLE: never over HTTP). Records every call and the peak of calls in flight.
 */
export async function createHarness(options: HarnessOptions) {
  const dir = await mkdtemp(path.join(tmpdir(), 'arbor-engine-'));
  let store: Store = await openEmbeddedStore(path.join(dir, '.arbor'));
  const loaded = await loadAgentsConfig(path.join(repoRoot, 'agents'));
  const agents = options.agents ? options.agents(loaded) : loaded;
  const templates = await loadPromptTemplates(path.join(repoRoot, 'prompts'), agents);
  const scripted = createScriptedModel({ script: parseScript(options.script, 'test script') });
  const calls: RecordedCall[] = [];
  const events: EngineEvent[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const model: Model = {
    provider: scripted.provider,
    modelId: scripted.modelId,
    async generate(request) {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const { node } = request.subject;
      calls.push({ role: request.role, nodeId: node.id, title: node.title, attempt: request.subject.attempt, request, inFlight });
      try {
        return await scripted.generate(request);
      } finally {
        inFlight--;
      }
    },
  };
  const limits: Limits = { ...defaultLimits, ...options.limits };
  const { run } = await createRun({
    store,
    prompt: options.prompt ?? 'Build a todo app',
    notes: (options.notes ?? []).map((note) => ({ path: note.path, sha256: 'test', bytes: note.content.length })),
    llm: 'script:test',
    agentsDir: null,
    promptsDir: null,
    limits,
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
    async drive(overrides: { limits?: Partial<Limits>; reopenFailed?: boolean; waitForApprovals?: boolean } = {}): Promise<RunOutcome> {
      let current = (await store.getRun(run.id))!;
      if (overrides.limits) current = await store.updateRun(run.id, { limits: { ...current.limits, ...overrides.limits } });
      engine = new RunEngine(
        {
          store,
          run: current,
          agents,
          templates,
          modelFor: () => model,
          notes: options.notes ?? [],
          owner: 'test',
          waitForApprovals: overrides.waitForApprovals ?? options.waitForApprovals ?? false,
          decisionPollMs: 20,
          outDir: path.join(dir, 'out'),
          reopenFailed: overrides.reopenFailed ?? false,
          onEvent: (event) => events.push(event),
        },
        await store.listNodes(run.id),
      );
      return engine.drive();
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
    /** A second store instance on the same folder, as another process would open it. */
    async openSecondStore(): Promise<Store> {
      return openEmbeddedStore(path.join(dir, '.arbor'));
    },
    async reopenStore(): Promise<void> {
      await store.close();
      store = await openEmbeddedStore(path.join(dir, '.arbor'));
    },
    async cleanup(): Promise<void> {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A harness's type. */
export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A planner answer listing tasks; keys default from titles. */
export function tasks(
  ...list: Array<{ key: string; title?: string; dependsOn?: string[]; requiresApproval?: boolean; approvalReason?: string }>
) {
  return {
    tasks: list.map((task) => ({
      key: task.key,
      title: task.title ?? task.key,
      description: `Do ${task.title ?? task.key}`,
      dependsOn: task.dependsOn ?? [],
      ...(task.requiresApproval ? { requiresApproval: true, approvalReason: task.approvalReason ?? 'needs sign-off' } : {}),
    })),
  };
}

/** The usual defaults: executors complete, checkers pass, sequencing is derived. */
export const passingDefaults = {
  sequencer: 'auto',
  executor: { action: 'complete', result: { summary: 'done: {{node.title}}', output: 'output of {{node.title}}' } },
  checker: { verdict: 'pass', feedback: 'ok' },
};
