import { describe, expect, it } from 'vitest';
import { move, sampleChild, sampleRun } from '../../test/support/sample-documents.js';
import { formatEngineEvent } from './progress-printer.js';

describe('formatEngineEvent', () => {
  it('shows each event of a write that carried several with its own statuses', () => {
    const { root } = sampleRun();
    const ready = move(sampleChild(root, 0), { type: 'deps-met' });
    const started = move(ready.node, { type: 'start', lease: { owner: 'o', token: 't', expiresAt: 'x' } });
    // Both events are reported with the node as stored after the write (running).
    const lines = [ready.event, started.event].map((event) =>
      formatEngineEvent({ type: 'node-transition', node: started.node, event }, { color: false, verbose: false }),
    );
    expect(lines[0]).toContain('pending → ready');
    expect(lines[1]).toContain('ready → running');
  });
});
