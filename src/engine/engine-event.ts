import type { AgentRole, BudgetName, NodeEvent, RunStatus, TaskNode, Usage } from '../domain/index.js';

/** What the engine reports while it works, for progress output and logs. Noun-then-verb names. */
export type EngineEvent =
  | { type: 'node-transition'; node: TaskNode; event: NodeEvent }
  | { type: 'node-create'; node: TaskNode; event: NodeEvent }
  | { type: 'call-start'; role: AgentRole; node: TaskNode; attempt: number }
  | { type: 'call-end'; role: AgentRole; node: TaskNode; attempt: number; usage: Usage | null; error: string | null }
  | { type: 'call-retry'; role: AgentRole; node: TaskNode; attempt: number; delayMs: number; reason: string }
  | { type: 'sequence-fallback'; node: TaskNode; reason: string }
  | { type: 'approval-request'; node: TaskNode }
  | { type: 'budget-stop'; budget: BudgetName; message: string }
  /**
   * The drive ended. `at` is the stored run's `updatedAt` after its last write; `leftOpen`: the drive
   * stopped without ending the run (a server stopping, a worker leaving), which goes on when resumed.
   */
  | { type: 'run-end'; status: RunStatus; message: string; at: string; leftOpen: boolean }
  /**
   * A drive that waits for decisions (`waitForApprovals`) stored the run as waiting for people (only
   * they can move it on: nothing is in flight, `waiting` are the nodes they are asked about), or as
   * running again once one of them decided. `at` is the stored run's `updatedAt`.
   */
  | { type: 'run-status'; status: 'awaiting_approval' | 'running'; waiting: readonly TaskNode[]; at: string };
