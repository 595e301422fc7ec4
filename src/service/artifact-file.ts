import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { outputFolder } from '../api/index.js';
import { NotFoundError, type Run, type TaskNode } from '../domain/index.js';
import { RequestError } from './request-error.js';

/**
 * The bytes of an artifact a node of the run wrote, read from the run's output folder: only a path
 * some node's result lists as an artifact, and only inside that folder (no absolute path, no `..`,
 * no symlink out of it).
 */
export async function artifactFile(run: Pick<Run, 'id' | 'outDir'>, nodes: readonly TaskNode[], relative: string): Promise<Buffer> {
  if (relative === '' || path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..'))
    throw new RequestError(`"${relative}" is not a path inside the run's output folder`, {
      status: 400,
      title: 'invalid-field',
      field: 'params.path',
      hint: 'use an artifact path as a node result lists it, e.g. GET /v1/runs/RUN/artifacts/docs/api.md',
    });
  const listed = nodes.some((node) => node.result?.artifacts.some((artifact) => path.normalize(artifact.path) === path.normalize(relative)));
  if (!listed)
    throw new NotFoundError(`no node of run ${run.id} wrote an artifact "${relative}"`, {
      runId: run.id,
      hint: `see the artifacts in each node's result: GET /v1/runs/${run.id}/tree`,
    });
  const folder = outputFolder(run);
  try {
    const [root, file] = await Promise.all([realpath(folder), realpath(path.join(folder, relative))]);
    if (!file.startsWith(`${root}${path.sep}`))
      throw new RequestError(`"${relative}" leads out of the run's output folder`, { status: 400, title: 'invalid-field', field: 'params.path' });
    return await readFile(file);
  } catch (error) {
    if (error instanceof RequestError) throw error;
    throw new NotFoundError(`artifact "${relative}" of run ${run.id} is not in ${folder} any more`, {
      runId: run.id,
      hint: 'the node result still holds its content (GET …/nodes/NODE); the file was moved or deleted',
    });
  }
}
