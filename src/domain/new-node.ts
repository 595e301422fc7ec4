import type { NodeStatus } from './node-status.js';
import { emptyPipeline, noCalls, nodeSchemaVersion, type TaskNode } from './task-node.js';
import { emptyUsage } from './usage.js';

/** What identifies a new node and places it in the tree; everything else starts empty. */
export interface NewNodeOptions {
  runId: string;
  id: string;
  parent: Pick<TaskNode, 'id' | 'ancestors' | 'depth'> | null;
  order: number;
  key: string;
  title: string;
  description: string;
  notes?: readonly string[];
  dependsOn?: readonly string[];
  group?: number | null;
  integration?: boolean;
  requiresApproval?: boolean;
  status: NodeStatus;
  at: string;
}

/** Builds a fresh node document with empty pipeline, usage and history. */
export function newNode(options: NewNodeOptions): TaskNode {
  const { parent } = options;
  return {
    schemaVersion: nodeSchemaVersion,
    runId: options.runId,
    id: options.id,
    parentId: parent?.id ?? null,
    ancestors: parent ? [...parent.ancestors, parent.id] : [],
    depth: parent ? parent.depth + 1 : 0,
    order: options.order,
    key: options.key,
    title: options.title,
    description: options.description,
    notes: [...(options.notes ?? [])],
    dependsOn: [...(options.dependsOn ?? [])],
    group: options.group ?? null,
    integration: options.integration ?? false,
    status: options.status,
    requiresApproval: options.requiresApproval ?? false,
    approval: null,
    attempts: 0,
    calls: { ...noCalls },
    pipeline: { ...emptyPipeline },
    result: null,
    check: null,
    checks: [],
    error: null,
    usage: { ...emptyUsage },
    lease: null,
    version: 0,
    createdAt: options.at,
    updatedAt: options.at,
    startedAt: null,
    endedAt: null,
  };
}

/** The id of a node's child at `order` (0-based): `1`, `2` under the root `0`, `2.1` under `2`. */
export function childId(parentId: string, order: number): string {
  return parentId === rootNodeId ? String(order + 1) : `${parentId}.${order + 1}`;
}

/** The id of every run's root node. */
export const rootNodeId = '0';
