import { RunTakenOverError } from '../domain/index.js';

/**
 * The error a holder gets once it finds that another process took its run over: `because` says
 * why the other one could (this one's lease lapsed, its lock went untouched), `holder` who holds the
 * run now (null: nobody, it was let go since).
 */
export function runTakenOver(runId: string, because: string, holder: string | null): RunTakenOverError {
  return new RunTakenOverError(
    `run ${runId} was taken over by another process after ${because}: ${holder ? `${holder} holds it now` : 'nobody holds it now'}; this process stopped driving it`,
    {
      runId,
      hint: `the other process goes on with it; see where it stands with: arbor tree ${runId}`,
      httpHint: `the other process goes on with it; see where it stands: GET /v1/runs/${runId}`,
    },
  );
}
