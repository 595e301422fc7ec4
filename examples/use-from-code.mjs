// Arbor from code, offline: a scripted model builds a release that waits for a person's approval;
// this script watches the events, approves the gate, and prints the tree.
//   npm run build && node examples/use-from-code.mjs [STORE_DIR]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTree, openStore, startRun } from 'arbor';

const here = path.dirname(fileURLToPath(import.meta.url));
const storeDir = process.argv[2] ?? (await mkdtemp(path.join(tmpdir(), 'arbor-example-')));
const store = await openStore(storeDir);
try {
  const run = await startRun({
    store,
    prompt: 'Ship release 1.2',
    notes: [{ name: 'release.md', content: 'Build, then release to customers once someone approves.' }],
    llm: `script:${path.join(here, 'release-gate.script.yaml')}`,
    limits: { maxNodes: 20 },
    outDir: path.join(storeDir, 'out'),
  });
  console.log(`run ${run.runId} started in ${storeDir}`);
  for await (const event of run.events()) {
    if (event.type === 'node-transition') console.log(`  ${event.node.id} ${event.event.from} → ${event.event.to}  ${event.node.title}`);
    if (event.type === 'approval-request') {
      for (const waiting of run.approvals()) {
        console.log(`  approving ${waiting.nodeId} (${waiting.reason})`);
        await run.decide(waiting.nodeId, { action: 'approve', comment: 'looks good', by: 'example-script' });
      }
    }
  }
  const outcome = await run.done;
  const tree = await getTree(store, run.runId);
  console.log(`run ${run.runId} ${outcome.status}: ${tree.root.children.map((child) => `${child.title} (${child.status})`).join(', ')}`);
  process.exitCode = outcome.status === 'completed' ? 0 : 1;
} finally {
  await store.close();
}
