import { describe, expect, it } from 'vitest';
import { move, sampleChild, sampleRun } from '../../test/support/sample-documents.js';
import { assembleTree, runTreeJson } from './queries.js';

describe('runTreeJson', () => {
  it('is byte for byte the JSON of the assembled tree, children in order, as nodes change version', () => {
    const { run, root } = sampleRun();
    const first = sampleChild(root, 0);
    const second = sampleChild(root, 1);
    const grandchild = sampleChild(first, 0);
    // Out of order, with an orphan that the tree leaves out, as assembleTree does.
    const orphan = { ...sampleChild(second, 0), parentId: 'gone' };
    let nodes = [grandchild, second, root, orphan, first];
    const expected = () => JSON.stringify({ runId: run.id, status: run.status, root: assembleTree(run, nodes) });
    expect(runTreeJson(run, nodes)).toBe(expected());
    // A node's next version replaces its text; the others' texts are reused.
    const moved = move(first, { type: 'deps-met' }, 5).node;
    nodes = nodes.map((node) => (node.id === first.id ? moved : node));
    expect(runTreeJson(run, nodes)).toBe(expected());
    expect(JSON.parse(runTreeJson({ ...run, status: 'completed' }, nodes))).toEqual({
      runId: run.id,
      status: 'completed',
      root: assembleTree(run, nodes),
    });
  });

  it('says when the run has no root node', () => {
    const { run, root } = sampleRun();
    expect(() => runTreeJson(run, [sampleChild(root, 0)])).toThrow(`run ${run.id} has no root node`);
  });
});
