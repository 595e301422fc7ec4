// Every run, newest first, polled every two seconds: status, nodes per status, tokens, cost,
// elapsed time, and a badge on the runs that wait on a person.

import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import {
  elapsed,
  formatCost,
  formatTokens,
  runSymbols,
  statusOrder,
  statusSymbols,
  totalTokens,
} from './format.js';

export function RunsPage() {
  const [runs, setRuns] = useState(null);
  const [error, setError] = useState(null);
  const [more, setMore] = useState(false);
  useEffect(() => {
    let timer = null;
    let stopped = false;
    const read = async () => {
      try {
        const page = await api('/v1/runs?limit=500');
        if (!stopped) {
          setRuns(page.runs);
          setMore(page.nextCursor !== null);
          setError(null);
        }
      } catch (failure) {
        if (!stopped) setError(failure.message);
      }
      if (!stopped) timer = setTimeout(read, 2000);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return html`<main class="runs-page">
    <h1>Runs</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${
      runs === null
        ? html`<p class="muted">Loading…</p>`
        : runs.length === 0
          ? html`<p class="muted">No runs yet. Start one with <code>POST /v1/runs</code> or <code>arbor run</code>.</p>`
          : html`<div class="table-scroll"><table class="runs">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Nodes</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Elapsed</th>
                </tr>
              </thead>
              <tbody>
                ${runs.map(({ run, counts }) => {
                  const waiting = (counts.awaiting_approval ?? 0) > 0;
                  return html`<tr data-run-id=${run.id} class=${`run-row run-${run.status}`}>
                    <td class="run-cell">
                      <a href=${`#/runs/${encodeURIComponent(run.id)}`}><strong>${run.prompt}</strong></a>
                      <div class="muted">${run.id} · started ${new Date(run.createdAt).toLocaleString()}</div>
                    </td>
                    <td>
                      <span class=${`badge run-${run.status}`}>${runSymbols[run.status]} ${run.status}</span>
                      ${waiting ? html` <a class="badge waiting" href="#/approvals" title="nodes wait for a decision">⏸ ${counts.awaiting_approval} waiting on a person</a>` : null}
                    </td>
                    <td class="counts">
                      ${statusOrder
                        .filter((status) => (counts[status] ?? 0) > 0)
                        .map(
                          (status) =>
                            html`<span class=${`count status-${status}`} title=${status}>${`${statusSymbols[status]} ${counts[status]}`}</span> `,
                        )}
                    </td>
                    <td>${formatTokens(totalTokens(run.usage))}</td>
                    <td>${formatCost(run.usage.costUsd)}</td>
                    <td>${elapsed(run)}</td>
                  </tr>`;
                })}
              </tbody>
            </table></div>
            ${more ? html`<p class="muted">The newest 500 runs; older ones: <code>GET /v1/runs?cursor=…</code> or <code>arbor runs</code>.</p>` : null}`
    }
  </main>`;
}
