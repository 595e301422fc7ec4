// Every node waiting for a person, across runs, read again every second: a decision made anywhere
// (the CLI, another browser, code) takes its item away at once.

import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { ApprovalCard } from './approval-card.js';
import { html } from './html.js';

/** The pending approvals of every run that has a node waiting, with the runs' prompts. */
export async function readApprovals() {
  const { approvals } = await api('/v1/approvals');
  return approvals.map(({ prompt, ...approval }) => ({ approval, prompt }));
}

export function ApprovalsPage({ onCount }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [decided, setDecided] = useState(new Set());
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    let timer = null;
    let stopped = false;
    const read = async () => {
      try {
        const next = await readApprovals();
        if (!stopped) {
          setItems(next);
          setError(null);
          onCount?.(next.length);
        }
      } catch (failure) {
        if (!stopped) setError(failure.message);
      }
      if (!stopped) timer = setTimeout(read, 1000);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  const key = ({ approval }) => `${approval.runId}/${approval.nodeId}/${approval.round}`;
  const shown = (items ?? []).filter((item) => !decided.has(key(item)));
  return html`<main class="approvals-page">
    <h1>Waiting for a person</h1>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${
      items === null
        ? html`<p class="muted">Loading…</p>`
        : shown.length === 0
          ? html`<p class="muted empty-queue">Nothing waits for a decision.</p>`
          : html`<div class="queue">
              ${shown.map(
                (item) =>
                  html`<${ApprovalCard}
                    key=${key(item)}
                    approval=${item.approval}
                    runPrompt=${item.prompt}
                    onDecided=${(approval, action) => {
                      setDecided((before) => new Set(before).add(key(item)));
                      setNotice(
                        `${action} recorded for ${approval.title} (${approval.runId} · node ${approval.nodeId}).`,
                      );
                    }}
                  />`,
              )}
            </div>`
    }
  </main>`;
}
