import { randomInt, seededRandom } from '../../bench/seeded-random.js';
import { syntheticTree, type SyntheticNode, type SyntheticTree } from '../../bench/synthetic-tree.js';

/** Options of {@link tortureScript}. */
export interface TortureScriptOptions {
  /** Nodes in the tree, the root included. */
  nodes: number;
  seed: number;
  /** Simulated latency of every call. */
  delayMs: number;
}

/** A scripted-model file that grows one synthetic tree, and what a run of it should end with. */
export interface TortureScript {
  tree: SyntheticTree;
  /** The run's prompt: the synthetic root's title. */
  prompt: string;
  /** The script file's content (JSON, which the scripted model reads like YAML). */
  text: string;
  /** Titles of the leaves whose first check fails, so that a retry happens (and may be crashed). */
  failingFirstCheck: readonly string[];
}

/** Depth limit of the synthetic tree; the CLI's default `--max-depth` (4) lets every level decompose. */
const maxDepth = 4;

/**
 * Builds the script of a recorded synthetic tree (bench/synthetic-tree.ts): a planner rule per
 * parent that answers its children (with their dependencies), an executor rule per parent that
 * decomposes and per leaf that completes with a fixed result and one artifact, and a checker that
 * fails the first attempt of about one leaf in eight. Every rule matches one exact title, so the
 * same tree grows whatever order the calls come in.
 */
export function tortureScript(options: TortureScriptOptions): TortureScript {
  const tree = syntheticTree({
    nodes: options.nodes,
    seed: options.seed,
    maxDepth,
    maxBranching: 4,
    dependencyChance: 0.35,
  });
  const random = seededRandom(options.seed ^ 0x5eed);
  const rules: unknown[] = [];
  const failingFirstCheck: string[] = [];
  for (const node of tree.nodes) {
    const title = exactTitle(node);
    if (node.children.length > 0) {
      if (node.depth > 0)
        rules.push({
          role: 'executor',
          title,
          respond: { action: 'decompose', reason: `${node.children.length} parts` },
        });
      rules.push({ role: 'planner', title, respond: { tasks: node.children.map(plannedTask) } });
      continue;
    }
    rules.push({ role: 'executor', title, respond: leafAnswer(node) });
    if (randomInt(random, 1, 8) === 1) {
      failingFirstCheck.push(node.title);
      rules.push({
        role: 'checker',
        title,
        attempt: 1,
        respond: { verdict: 'fail', feedback: `add the edge cases of ${node.key}` },
      });
    }
  }
  const script = {
    delayMs: options.delayMs,
    rules,
    defaults: { sequencer: 'auto', checker: { verdict: 'pass', feedback: 'ok' } },
  };
  return { tree, prompt: tree.root.title, text: `${JSON.stringify(script, null, 1)}\n`, failingFirstCheck };
}

function plannedTask(child: SyntheticNode) {
  return { key: child.key, title: child.title, description: child.description, dependsOn: child.dependsOn };
}

function leafAnswer(node: SyntheticNode) {
  return {
    action: 'complete',
    result: {
      summary: `done: ${node.title}`,
      output: node.output,
      artifacts: [{ path: `work/${node.path}.md`, content: `# ${node.title}\n\n${node.output}\n` }],
    },
  };
}

/** A regex that matches exactly this title (titles are unique in a synthetic tree). */
function exactTitle(node: SyntheticNode): string {
  return `^${node.title.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
}
