import { randomInt, seededRandom, type Random, type SeededRandom } from './seeded-random.js';

/** What a synthetic tree looks like; the same spec always builds the same tree. */
export interface SyntheticTreeSpec {
  /** Total nodes, the root included. */
  nodes: number;
  seed: number;
  /** Children per decomposed node: between 1 and this (default 5). */
  maxBranching?: number;
  /** Deepest level a node may sit at; the root is depth 0 (default 6). */
  maxDepth?: number;
  /** Chance that a sibling (after the first) depends on earlier siblings (default 0.3). */
  dependencyChance?: number;
}

/**
 * One node of a synthetic tree: what the fake planner answers for it and the executor does with it.
 * `description` and `output` are generated again on each read (the same text every time), so that
 * a 100,000-node tree does not hold 100,000 of each in the benchmark process beside the run's own.
 */
export interface SyntheticNode {
  /** Unique in the tree: the fake model finds the node by its title. */
  readonly title: string;
  readonly key: string;
  readonly description: string;
  readonly depth: number;
  /** Position from the root, e.g. `2.1.3` (empty for the root). */
  readonly path: string;
  /** Keys of the earlier siblings it depends on. */
  dependsOn: string[];
  readonly children: SyntheticNode[];
  /** What its executor answers when it completes it (leaves only). */
  readonly output: string;
}

/** A generated tree and its nodes by title. */
export interface SyntheticTree {
  spec: Required<SyntheticTreeSpec>;
  root: SyntheticNode;
  byTitle: ReadonlyMap<string, SyntheticNode>;
  /** Every node, root first, parents before children. */
  nodes: readonly SyntheticNode[];
}

const words = (
  'build test deploy schema service client server route handler cache queue worker index table ' +
  'migration report export import parser renderer layout form field button dialog session token ' +
  'account billing invoice payment search filter sort page summary audit log metric alert backup ' +
  'restore config feature flag review document example error retry limit batch stream upload'
).split(' ');

/**
 * Builds a deterministic tree of exactly `spec.nodes` nodes: nodes picked at random from those that
 * may still grow get 1..maxBranching children (no deeper than maxDepth), and some siblings depend on
 * earlier ones, which makes dependency chains. Titles and descriptions read like real tasks so that
 * prompts have realistic sizes.
 */
export function syntheticTree(input: SyntheticTreeSpec): SyntheticTree {
  const spec: Required<SyntheticTreeSpec> = {
    maxBranching: 5,
    maxDepth: 6,
    dependencyChance: 0.3,
    ...input,
  };
  if (spec.nodes < 1) throw new Error('a synthetic tree needs at least its root');
  const random = seededRandom(spec.seed);
  const root = makeNode(random, 'root', 0, '');
  const nodes: SyntheticNode[] = [root];
  const growable: SyntheticNode[] = [root];
  while (nodes.length < spec.nodes) {
    // Once every node that may grow has grown, widen existing parents instead.
    const parent =
      growable.length > 0
        ? takeAt(growable, randomInt(random, 0, growable.length - 1))
        : widenable(nodes, spec);
    const wanted = parent.children.length === 0 ? randomInt(random, 1, spec.maxBranching) : 1;
    const count = Math.min(wanted, spec.nodes - nodes.length);
    for (let index = 0; index < count; index++) {
      const order = parent.children.length;
      const path = parent.depth === 0 ? `${order + 1}` : `${parent.path}.${order + 1}`;
      const child = makeNode(random, keyOf(order), parent.depth + 1, path);
      child.dependsOn = dependenciesOf(random, parent.children, spec.dependencyChance);
      parent.children.push(child);
      nodes.push(child);
      if (child.depth < spec.maxDepth) growable.push(child);
    }
  }
  return { spec, root, byTitle: new Map(nodes.map((node) => [node.title, node])), nodes };
}

function makeNode(random: SeededRandom, key: string, depth: number, path: string): SyntheticNode {
  const textState = random.state;
  const { topic } = nodeText(random, path);
  return new GrownNode(
    depth === 0 ? `Synthetic project: ${topic}` : `Task ${path} ${topic}`,
    key,
    depth,
    path,
    textState,
  );
}

/** A node that keeps where its text starts in the random sequence instead of the text. */
class GrownNode implements SyntheticNode {
  dependsOn: string[] = [];
  readonly children: SyntheticNode[] = [];

  constructor(
    readonly title: string,
    readonly key: string,
    readonly depth: number,
    readonly path: string,
    private readonly textState: number,
  ) {}

  get description(): string {
    return nodeText(seededRandom(this.textState), this.path).description;
  }

  get output(): string {
    return nodeText(seededRandom(this.textState), this.path).output;
  }
}

/** A node's topic, description and output, drawn from `random` in this order. */
function nodeText(random: Random, path: string): { topic: string; description: string; output: string } {
  const topic = phrase(random, 3);
  const description = `${capitalize(phrase(random, randomInt(random, 14, 30)))}. Done when the ${phrase(random, 3)} works end to end.`;
  const output =
    path === '' ? '' : `Implemented ${topic} (${path}): ${phrase(random, randomInt(random, 30, 60))}.`;
  return { topic, description, output };
}

const keys: string[] = [];

/** The key of the child at `order`, one string per order rather than one per node. */
function keyOf(order: number): string {
  return (keys[order] ??= `t${order + 1}`);
}

/** Earlier siblings this one waits for: usually none, sometimes one or two (chains form). */
function dependenciesOf(random: Random, earlier: readonly SyntheticNode[], chance: number): string[] {
  if (earlier.length === 0 || random() >= chance) return [];
  const first = earlier[randomInt(random, 0, earlier.length - 1)]!.key;
  if (earlier.length < 2 || random() >= 0.25) return [first];
  const second = earlier[randomInt(random, 0, earlier.length - 1)]!.key;
  return second === first ? [first] : [first, second];
}

function widenable(nodes: readonly SyntheticNode[], spec: Required<SyntheticTreeSpec>): SyntheticNode {
  const parent = nodes.find((node) => node.children.length > 0 && node.children.length < spec.maxBranching);
  if (!parent)
    throw new Error(
      `no tree of ${spec.nodes} nodes fits branching ${spec.maxBranching}, depth ${spec.maxDepth}`,
    );
  return parent;
}

function takeAt<T>(list: T[], index: number): T {
  const item = list[index]!;
  list[index] = list[list.length - 1]!;
  list.pop();
  return item;
}

function phrase(random: Random, length: number): string {
  return Array.from({ length }, () => words[randomInt(random, 0, words.length - 1)]).join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
