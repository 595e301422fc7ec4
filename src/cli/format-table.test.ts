import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and lines numbers up on the right', () => {
    expect(
      formatTable(
        [
          ['role', 'calls', 'title'],
          ['planner', '2', 'Build'],
          ['executor', '12', 'Deploy — "v2"'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['role      calls  title', 'planner       2  Build', 'executor     12  Deploy — "v2"']);
  });
});
