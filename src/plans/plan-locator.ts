import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A place in a plan file: 1-based line and column. */
export interface PlanPosition {
  line: number;
  column: number;
}

/** A path into a plan file's data, as zod and the checks give it. */
export type PlanPath = readonly (string | number)[];

/**
 * Finds where a path of the parsed data is written in the file, so every problem names its line
 * and column. A path the file does not hold (a missing field) points at the nearest thing it does.
 */
export class PlanLocator {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  /** Where the value at `path` is written; with `key`, where its key is (an unknown key). */
  at(path: PlanPath, options: { key?: boolean } = {}): PlanPosition {
    let node: unknown = this.document.contents;
    let found = node;
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) break;
        if (options.key && index === path.length - 1) return this.positionOf(pair.key as Node);
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else break;
      if (node === null || node === undefined) break;
      found = node;
    }
    return this.positionOf(found as Node | null);
  }

  /**
   * Where a place inside a step prompt is in the file: `line` is 1-based and `column` 0-based
   * within the prompt, as handlebars counts them.
   */
  inPrompt(path: PlanPath, line: number, column: number): PlanPosition {
    const start = this.at(path);
    const node: unknown = this.document.getIn(path, true);
    if (!isScalar(node)) return start;
    const { type } = node;
    if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
      const fileLine = start.line + line;
      const text = this.text.split('\n')[fileLine - 1] ?? '';
      const indent = text.length - text.trimStart().length;
      return { line: fileLine, column: indent + column + 1 };
    }
    const quoted = type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? 1 : 0;
    return line === 1
      ? { line: start.line, column: start.column + quoted + column }
      : { line: start.line + line - 1, column: column + 1 };
  }

  private positionOf(node: Node | null | undefined): PlanPosition {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}
