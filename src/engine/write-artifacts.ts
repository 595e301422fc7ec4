import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactPathProblem } from '../agents/index.js';
import { err, ok, type Artifact, type Result } from '../domain/index.js';

/**
 * Writes a node's artifacts under the run's output folder, refusing any path that would leave it
 * (DESIGN §8). Returns an error naming the file and the fix when it cannot write.
 */
export async function writeArtifacts(outDir: string | null, artifacts: readonly Artifact[]): Promise<Result<string[]>> {
  if (outDir === null || artifacts.length === 0) return ok([]);
  const root = path.resolve(outDir);
  const written: string[] = [];
  for (const artifact of artifacts) {
    const problem = artifactPathProblem(artifact.path);
    const target = path.resolve(root, artifact.path);
    if (problem || !target.startsWith(root + path.sep)) return err(`artifact path "${artifact.path}" ${problem ?? 'leaves the output folder'}`);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, artifact.content);
    } catch (error) {
      return err(
        `cannot write artifact "${artifact.path}" in the output folder ${root} (${(error as Error).message}); ` +
          `make ${root} a folder you can write to, or resume the run with --out DIR pointing at one`,
      );
    }
    written.push(target);
  }
  return ok(written);
}
