import type { AgentRole } from '../domain/index.js';
import type { CallSubject } from '../llm/model.js';
import type { NodeContext } from './node-context.js';

/** The subject of the next `role` call on the context's node (attempt = answered calls + 1). */
export function subjectOf(context: NodeContext, role: AgentRole): CallSubject {
  const { node } = context;
  return {
    run: context.run,
    node: {
      id: node.id,
      title: node.title,
      description: node.description,
      depth: node.depth,
      key: node.key,
      parentId: node.parentId,
    },
    attempt: node.calls[role] + 1,
  };
}
