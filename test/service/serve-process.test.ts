import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir, runCli, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { databaseUri } from '../support/mongodb-cli.js';
import { ServiceClient } from '../support/service-client.js';
import { storesUnderTest } from '../support/stores-under-test.js';
import { sixSlowTasks } from './service-scripts.js';

const token = 'test-token-0123456789abcdef';

/** Starts `arbor serve --port 0` and waits for the address it prints. */
async function startServer(cwd: string, llm: string, store: string[]): Promise<{ server: CliProcess; client: ServiceClient }> {
  const server = startCli(['serve', '--port', '0', '--llm', llm, '--grace-ms', '0', ...store], { cwd, env: { ARBOR_TOKEN: token } });
  let url = '';
  await waitFor('the server to listen', () => {
    url = /Arbor serving on (http:\/\/\S+)/.exec(server.stdout())?.[1] ?? '';
    if (server.child.exitCode !== null) throw new Error(`arbor serve exited:\n${server.stderr()}`);
    return url !== '';
  }, 30_000);
  return { server, client: new ServiceClient(url, token) };
}

interface NodeView {
  id: string;
  title: string;
  status: string;
  children: NodeView[];
}

describe('arbor serve as a process', () => {
  it.each(storesUnderTest())('on the %s store, killed with -9 mid-run, takes the run up again on restart without re-running a completed node, and exits 0 on SIGTERM', { timeout: 120_000 }, async (kind) => {
    const cwd = await makeTempDir('arbor-serve-');
    let store: string[] = [];
    if (kind === 'mongodb') {
      const { dropTestDatabases, mongoTestUri, testDatabaseName } = await import('../support/mongodb-test-database.js');
      const dbName = testDatabaseName('serve');
      store = ['--store', databaseUri(mongoTestUri!, dbName)];
      onTestFinished(() => dropTestDatabases([dbName]));
    }
    const script = path.join(cwd, 'slow.script.yaml');
    await writeFile(script, sixSlowTasks);
    const first = await startServer(cwd, `script:${script}`, store);
    const created = await first.client.post<{ runId: string }>('/v1/runs', { prompt: 'Build it', limits: { concurrency: 1 } });
    expect(created.status).toBe(201);
    const { runId } = created.body;
    let doneBefore: string[] = [];
    await waitFor('two tasks to complete', async () => {
      const tree = await first.client.get<{ root: NodeView }>(`/v1/runs/${runId}/tree`);
      doneBefore = tree.body.root.children.filter((child) => child.status === 'completed').map((child) => child.id);
      return doneBefore.length >= 2;
    }, 60_000);
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    const second = await startServer(cwd, `script:${script}`, store);
    // Printed a few lines after the one startServer waits for: it may reach the pipe a little later.
    await waitFor('the server to say it resumed the run', () => second.server.stdout().includes(`resumed 1 run(s): ${runId}`));
    await waitFor('the run to complete', async () => {
      const run = await second.client.get<{ run: { status: string } }>(`/v1/runs/${runId}`);
      return run.body.run.status === 'completed';
    }, 60_000);
    // A node run again would have started twice. (Its events are written with the node itself; a
    // model call's record may be lost with the process, so calls are not what is counted.)
    for (const nodeId of doneBefore) {
      const record = await second.client.get<{ events: Array<{ to: string }> }>(`/v1/runs/${runId}/nodes/${nodeId}`);
      expect(record.body.events.filter((event) => event.to === 'running'), `node ${nodeId}`).toHaveLength(1);
      expect(record.body.events.filter((event) => event.to === 'completed'), `node ${nodeId}`).toHaveLength(1);
    }
    const tree = await second.client.get<{ root: NodeView }>(`/v1/runs/${runId}/tree`);
    expect(tree.body.root.children.map((child) => child.status)).toEqual(Array(6).fill('completed'));

    second.server.child.kill('SIGTERM');
    const result = await second.server.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('received SIGTERM: stopping');
  });

  it('exits 2 with a fix for a config file with a mistyped key, and for a public host without ARBOR_TOKEN', async () => {
    const cwd = await makeTempDir('arbor-serve-');
    await writeFile(path.join(cwd, 'serve.yaml'), 'port: 0\nwebhoks:\n  - http://127.0.0.1:9/hook\n');
    const typo = await runCli(['serve', '--config', 'serve.yaml'], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/config file serve\.yaml: .*did you mean "webhooks"/);
    expect(typo.stderr).toContain('fix: rename "webhoks" to "webhooks" in that file');
    const open = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('refusing to listen on 0.0.0.0 without ARBOR_TOKEN');
    expect(open.stderr).toContain('fix: set ARBOR_TOKEN');
  });
});
