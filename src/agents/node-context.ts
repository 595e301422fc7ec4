import type { CheckRecord, TaskNode } from '../domain/index.js';

/** A notes file's text, as handed to a prompt. */
export interface NoteText {
  path: string;
  content: string;
}

/**
 * What an agent sees of the tree when it works on one node: the node, a short chain of its
 * ancestors, the results of the nodes it depends on and the notes it references — never the whole
 * tree, so prompts stay the same size at any depth.
 */
export interface NodeContext {
  run: { id: string; prompt: string };
  node: TaskNode;
  ancestors: Array<{ title: string; summary: string }>;
  dependencies: Array<{ key: string; title: string; status: string; summary: string; output: string }>;
  notes: NoteText[];
  maxDepth: number;
}

/** Template data shared by every role. */
export function baseTemplateData(context: NodeContext) {
  const { node } = context;
  return {
    run: context.run,
    node: {
      id: node.id,
      key: node.key,
      title: node.title,
      description: node.description,
      depth: node.depth,
      isRoot: node.parentId === null,
      integration: node.integration,
    },
    ancestors: context.ancestors,
    dependencies: context.dependencies,
    notes: context.notes,
    maxDepth: context.maxDepth,
  };
}

/** The feedback of earlier failed checks, oldest first. */
export function failedChecks(node: TaskNode): CheckRecord[] {
  return node.checks.filter((check) => check.verdict === 'fail');
}
