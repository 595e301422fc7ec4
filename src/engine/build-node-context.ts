import path from 'node:path';
import type { NodeContext, NoteText } from '../agents/index.js';
import type { Run, TaskNode } from '../domain/index.js';
import type { TreeState } from './tree-state.js';

const summaryLength = 160;
const titleLength = 120;
/** Only the parent gets a summary; farther ancestors are titles, so prompts stay flat with depth. */
const summarizedAncestors = 1;

/**
 * The scoped context of a node (DESIGN §1.3): its ancestors' titles (the parent with a short
 * summary; the root's title is the request, already in the prompt), the results of its
 * dependencies and the notes it references. A node that names no notes inherits its nearest
 * ancestor's; the root sees all of the run's notes.
 */
export function buildNodeContext(options: {
  run: Run;
  node: TaskNode;
  tree: TreeState;
  notes: readonly NoteText[];
}): NodeContext {
  const { run, node, tree, notes } = options;
  const ancestors = node.ancestors.map((id) => tree.require(id));
  return {
    run: { id: run.id, prompt: run.prompt },
    node,
    ancestors: ancestors.map((ancestor, index) => ({
      title: shorten(ancestor.title, titleLength),
      summary:
        ancestor.parentId === null || index < ancestors.length - summarizedAncestors
          ? ''
          : shorten(ancestor.description, summaryLength),
    })),
    dependencies: tree.dependenciesOf(node).map((dependency) => ({
      key: dependency.key,
      title: dependency.title,
      status: dependency.status,
      summary: dependency.result?.summary ?? dependency.error?.message ?? '',
      output: dependency.result?.output ?? '',
    })),
    notes: notesFor([...ancestors, node].reverse(), notes),
    maxDepth: run.limits.maxDepth,
  };
}

function notesFor(chain: readonly TaskNode[], notes: readonly NoteText[]): NoteText[] {
  for (const node of chain) {
    if (node.parentId === null) return [...notes];
    const matched = notes.filter((note) => node.notes.some((reference) => sameNote(reference, note.path)));
    if (matched.length > 0) return matched;
  }
  return [...notes];
}

/** Whether a node's (or a plan step's) notes reference names the run's note at `notePath`: the path, or its file name. */
export function sameNote(reference: string, notePath: string): boolean {
  const normalized = path.normalize(reference);
  return normalized === path.normalize(notePath) || path.basename(normalized) === path.basename(notePath);
}

function shorten(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
