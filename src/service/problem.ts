import { ArborError, NotFoundError, StateConflictError, UsageError } from '../domain/index.js';
import { PlanCheckError, type PlanProblem } from '../plans/index.js';
import { RequestError } from './request-error.js';

/** An `application/problem+json` body (RFC 9457), plus the field at fault and a fix. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request field at fault, for a 400. */
  field?: string;
  /** What to do about it: the CLI's `fix:` line. */
  fix?: string;
  /** A plan that failed its check (`invalid-plan`): every problem, with its line and column in the plan's text. */
  problems?: PlanProblem[];
}

/** Problem types are URNs: stable names to branch on, described in the README's service section. */
const typeBase = 'urn:arbor:problem:';

/** What the server knows that some problems tell. */
export interface ProblemContext {
  /** The largest body it accepts (bytes). */
  bodyLimit?: number;
}

/** Fastify's own errors for requests it cannot read, by code. */
const fastifyErrors: Record<
  string,
  { status: number; title: string; detail: (message: string, context: ProblemContext) => string; fix: string }
> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    title: 'body-too-large',
    detail: (_message, { bodyLimit }) =>
      `the body is larger than this server accepts${bodyLimit === undefined ? '' : ` (${formatBytes(bodyLimit)})`}`,
    fix: 'send less (notes over the limit belong in files on the server), or start arbor serve with a higher --body-limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    title: 'unsupported-media-type',
    detail: (message) => message,
    fix: 'send the body as JSON with Content-Type: application/json',
  },
};

/**
 * The problem document for an error thrown while serving a request: Arbor's own errors keep their
 * message and fix, anything unexpected becomes a 500 that says no more than that (never a stack).
 */
export function problemFor(error: unknown, context: ProblemContext = {}): Problem {
  if (error instanceof RequestError)
    return problem(error.status, error.title, error.message, { field: error.field, fix: error.hint });
  if (error instanceof NotFoundError) return problem(404, 'not-found', error.message, { fix: fixOf(error) });
  if (error instanceof StateConflictError) return problem(409, 'conflict', error.message, { fix: fixOf(error) });
  if (error instanceof PlanCheckError)
    return { ...problem(400, 'invalid-plan', error.message, { fix: fixOf(error) }), problems: [...error.problems] };
  if (error instanceof UsageError) return problem(400, 'bad-request', error.message, { fix: fixOf(error) });
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? fastifyErrors[code] : undefined;
  if (known)
    return problem(known.status, known.title, known.detail((error as Error).message, context), { fix: known.fix });
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return problem(status, 'bad-request', (error as Error).message);
  if (error instanceof ArborError) return problem(500, 'failed', error.message, { fix: fixOf(error) });
  return problem(500, 'internal', 'the server failed while answering; its log says why', {
    fix: 'try again; if it keeps failing, look at the arbor serve output',
  });
}

/** `1 MiB`, `512 KiB`, `300 bytes`. */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** An error's fix as a program using the service does it: the route, where the CLI's hint names a command. */
function fixOf(error: ArborError): string | undefined {
  return error.httpHint ?? error.hint;
}

function problem(status: number, title: string, detail: string, extra: { field?: string; fix?: string } = {}): Problem {
  return {
    type: `${typeBase}${title}`,
    title,
    status,
    detail,
    ...(extra.field === undefined ? {} : { field: extra.field }),
    ...(extra.fix === undefined ? {} : { fix: extra.fix }),
  };
}
