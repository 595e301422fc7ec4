// The Arbor dashboard: sign in with the service's token, then runs, one run's tree and the
// approvals queue. A client of the /v1 API and its event stream, nothing more.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  api,
  forgetToken,
  onSignedOut,
  personName,
  storedToken,
  storePersonName,
  storeToken,
} from './api.js';
import { ApprovalsPage, readApprovals } from './approvals-page.js';
import { html } from './html.js';
import { RunPage } from './run-page.js';
import { RunsPage } from './runs-page.js';

/** `#/runs`, `#/runs/RUN`, `#/runs/RUN/nodes/NODE`, `#/approvals`. */
function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'approvals') return { page: 'approvals' };
  if (parts[0] === 'runs' && parts[1])
    return { page: 'run', runId: parts[1], nodeId: parts[2] === 'nodes' ? parts[3] : undefined };
  return { page: 'runs' };
}

function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The sign-in form; `reason`: why the page asks again (the server refused the token it had). */
function SignIn({ onSignedIn, reason }) {
  const [token, setToken] = useState('');
  const [name, setName] = useState(() => personName() ?? '');
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await api('/v1/runs?limit=1', { token: token.trim() });
      storeToken(token.trim());
      storePersonName(name.trim());
      onSignedIn();
    } catch (failure) {
      setError(failure.status === 401 ? 'That token is not the service’s token.' : failure.message);
    }
  };
  return html`<main class="sign-in">
    <form onSubmit=${submit} aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Arbor</h1>
      <p>Sign in with the token <code>arbor serve</code> printed (or <code>ARBOR_TOKEN</code>; it is also kept in <code>.arbor/service-token</code>).</p>
      <label for="token">Token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="current-password"
        required
        autofocus
        value=${token}
        onInput=${(event) => setToken(event.currentTarget.value)}
      />
      <label for="person">Your name <span class="muted">(optional: recorded with your decisions)</span></label>
      <input
        id="person"
        name="person"
        autocomplete="name"
        value=${name}
        onInput=${(event) => setName(event.currentTarget.value)}
      />
      <button type="submit">Sign in</button>
      ${reason && !error ? html`<p class="notice" role="status">${reason}</p>` : null}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(() => storedToken() !== null);
  const [signedOutBecause, setSignedOutBecause] = useState(null);
  const [waiting, setWaiting] = useState(0);
  const route = useRoute();
  useEffect(
    () =>
      onSignedOut((reason) => {
        setSignedOutBecause(reason);
        setSignedIn(false);
      }),
    [],
  );
  // The badge on "Approvals" (the approvals page counts for itself).
  useEffect(() => {
    if (!signedIn || route.page === 'approvals') return undefined;
    let timer = null;
    let stopped = false;
    const read = () =>
      readApprovals()
        .then(
          (items) => !stopped && setWaiting(items.length),
          () => undefined,
        )
        .finally(() => {
          if (!stopped) timer = setTimeout(read, 3000);
        });
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [signedIn, route.page]);

  if (!signedIn)
    return html`<${SignIn}
      reason=${signedOutBecause}
      onSignedIn=${() => {
        setSignedOutBecause(null);
        setSignedIn(true);
      }}
    />`;
  return html`<div class="shell">
    <nav class="top" aria-label="Dashboard">
      <a class="brand" href="#/runs">Arbor</a>
      <a href="#/runs" aria-current=${route.page === 'runs' ? 'page' : undefined}>Runs</a>
      <a href="#/approvals" aria-current=${route.page === 'approvals' ? 'page' : undefined}>
        Approvals${waiting > 0 ? html` <span class="badge waiting" aria-label=${`${waiting} waiting`}>${waiting}</span>` : null}
      </a>
      <button
        class="sign-out"
        onClick=${() => {
          forgetToken();
          setSignedOutBecause(null);
          setSignedIn(false);
        }}
      >
        Sign out
      </button>
    </nav>
    ${
      route.page === 'approvals'
        ? html`<${ApprovalsPage} onCount=${setWaiting} />`
        : route.page === 'run'
          ? html`<${RunPage} key=${route.runId} runId=${route.runId} nodeId=${route.nodeId} />`
          : html`<${RunsPage} />`
    }
  </div>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
