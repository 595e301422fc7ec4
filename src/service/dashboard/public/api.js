// The dashboard's only way to Arbor: the service's /v1 routes and its event stream, with the token.

const tokenKey = 'arbor-token';

/** The token the page signed in with, kept for this tab only. */
export function storedToken() {
  return sessionStorage.getItem(tokenKey);
}

export function storeToken(token) {
  sessionStorage.setItem(tokenKey, token);
}

/** The name the person gave at sign-in, recorded with their decisions (`by`); null: the service's default. */
export function personName() {
  return sessionStorage.getItem('arbor-person');
}

export function storePersonName(name) {
  if (name) sessionStorage.setItem('arbor-person', name);
  else sessionStorage.removeItem('arbor-person');
}

export function forgetToken() {
  sessionStorage.removeItem(tokenKey);
}

/** An answer other than 2xx: the problem+json document's detail and fix. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const signedOutListeners = new Set();

/** Called when the service refuses the token (401): the page goes back to the sign-in form. */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** The server did not answer at all (the browser's fetch failed): status 0. */
const unreachable = {
  detail: 'The Arbor server did not answer: it may be stopped or restarting.',
};

/**
 * A failure as a sentence for the page: the problem's detail, and its fix unless that fix is a
 * route of the API (meant for programs; the page offers its own way).
 */
export function explain(failure) {
  const fix = failure.problem?.fix;
  return fix && !/\/v1\//.test(fix) ? `${failure.message} — ${fix}` : failure.message;
}

/** `fetch`, with a failure to reach the server as an {@link ApiError} of status 0. */
async function reach(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, unreachable);
  }
}

/** Calls the service; the body is sent as JSON. */
export async function api(path, { method = 'GET', body, token = storedToken() } = {}) {
  const headers = { authorization: `Bearer ${token ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await reach(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text === '' ? {} : JSON.parse(text);
  if (response.status === 401) {
    forgetToken();
    for (const listener of signedOutListeners) listener('The server refused the token this tab signed in with (it may have restarted with another one): sign in again.');
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Fetches a file the service serves as text (an artifact) and opens it in a new tab, the token sent as a header. */
export async function openFile(path, { token = storedToken() } = {}) {
  const response = await reach(path, { headers: { authorization: `Bearer ${token ?? ''}` } });
  if (!response.ok) {
    const text = await response.text();
    throw new ApiError(response.status, text === '' ? null : JSON.parse(text));
  }
  const url = URL.createObjectURL(new Blob([await response.arrayBuffer()], { type: 'text/plain;charset=utf-8' }));
  window.open(url, '_blank', 'noopener');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Close codes after which a reconnect cannot help: 1000 closed by us; 4000/4004 a bad request or an unknown run. */
const finalCloseCodes = new Set([1000, 4000, 4004]);

/**
 * Follows a run's event stream from `after`, reconnecting with the last seq after a dropped
 * connection (the service then sends every later event once). A close no reconnect can mend
 * (an unknown run) calls `onEnd` with its code and reason instead. Returns a function that stops it.
 */
export function followEvents(
  runId,
  { after = 0, onEvents, onStatus, onConnection = () => undefined, onEnd = () => undefined },
) {
  let last = after;
  let socket = null;
  let stopped = false;
  let retry = null;
  let queue = [];
  let flush = null;
  const open = () => {
    const base = location.origin.replace(/^http/, 'ws');
    socket = new WebSocket(
      `${base}/v1/runs/${encodeURIComponent(runId)}/events/stream?after=${last}&token=${encodeURIComponent(storedToken() ?? '')}`,
    );
    socket.onopen = () => onConnection(true);
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.kind === 'event') {
        last = data.seq;
        queue.push(data);
        // Events come in bursts: hand them over together, once per task.
        flush ??= setTimeout(() => {
          flush = null;
          const batch = queue;
          queue = [];
          onEvents(batch);
        }, 0);
      } else if (data.kind === 'run') onStatus(data.status);
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (finalCloseCodes.has(event.code) || !storedToken()) {
        onEnd(event.code, event.reason);
        return;
      }
      onConnection(false);
      retry = setTimeout(open, 1000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(flush);
    socket?.close(1000);
  };
}
