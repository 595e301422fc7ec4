import { describe, expect, it } from 'vitest';
import { runnableHints } from './runnable-hints.js';

describe('runnableHints', () => {
  const line = 'Decide: arbor approve r-1 [NODE]   Then: arbor resume r-1; see arbor-out/r-1 and npm run arbor -- tree r-1';

  it('leaves hints alone for the installed command', () => {
    expect(runnableHints(line, {})).toBe(line);
  });

  it('writes every suggested command in the npm form under npm start / npm run arbor', () => {
    expect(runnableHints(line, { npm_lifecycle_event: 'start' })).toBe(
      'Decide: npm run arbor -- approve r-1 [NODE]   Then: npm run arbor -- resume r-1; see arbor-out/r-1 and npm run arbor -- tree r-1',
    );
  });
});
