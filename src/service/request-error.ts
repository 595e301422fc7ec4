/** What a {@link RequestError} says about itself: the status and the RFC 9457 fields. */
export interface RequestErrorOptions {
  status: number;
  title: string;
  /** The request field at fault (`body.limits.maxDepth`, `query.after`), for a 400. */
  field?: string;
  /** What the client can do about it. */
  hint?: string;
}

/** A request the service refuses before anything is stored: bad JSON, unknown fields, no token. */
export class RequestError extends Error {
  readonly status: number;
  readonly title: string;
  readonly field: string | undefined;
  readonly hint: string | undefined;

  constructor(detail: string, options: RequestErrorOptions) {
    super(detail);
    this.name = new.target.name;
    this.status = options.status;
    this.title = options.title;
    this.field = options.field;
    this.hint = options.hint;
  }
}
