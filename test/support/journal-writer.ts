/**
 * A child process for the crash test of the embedded store: updates node `1` of a run over and over
 * (with a large field, so a kill can land mid-write) and inserts a node every tenth write. After each
 * write is acknowledged it prints `version N` or `node ID` on stdout, so the test knows what the store
 * promised before the process was killed.
 *
 * Usage: node --import tsx test/support/journal-writer.ts STORE_DIR RUN_ID
 */
import { writeSync } from 'node:fs';
import { childId } from '../../src/domain/index.js';
import { openEmbeddedStore } from '../../src/store/index.js';
import { at, sampleChild } from './sample-documents.js';

const [directory, runId] = process.argv.slice(2);
if (!directory || !runId) throw new Error('usage: journal-writer.ts STORE_DIR RUN_ID');

const store = await openEmbeddedStore(directory);
const root = await store.getNode(runId, '0');
if (!root) throw new Error(`run ${runId} has no root`);
const filler = 'x'.repeat(64 * 1024);

for (let write = 1; write <= 3000; write++) {
  const node = await store.getNode(runId, '1');
  if (!node) throw new Error('node 1 is missing');
  const version = node.version + 1;
  await store.updateNode({
    runId,
    nodeId: '1',
    expectedVersion: node.version,
    patch: { version, description: `${filler} ${write}`, updatedAt: at(write % 60) },
    events: [
      {
        schemaVersion: 1,
        runId,
        nodeId: '1',
        type: 'note',
        from: node.status,
        to: node.status,
        actor: 'journal-writer',
        reason: `write ${write}`,
        at: at(write % 60),
      },
    ],
  });
  writeSync(1, `version ${version}\n`);
  if (write % 10 === 0) {
    const order = write / 10;
    await store.insertNodes([sampleChild(root, order)]);
    writeSync(1, `node ${childId(root.id, order)}\n`);
  }
}
