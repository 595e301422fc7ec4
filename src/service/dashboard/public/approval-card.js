// One node waiting for a person, with the decisions that answer it (as `arbor approve` asks them).

import { useState } from 'preact/hooks';
import { api, explain, personName } from './api.js';
import { html } from './html.js';

const labels = {
  approve: 'Approve',
  reject: 'Reject',
  edit: 'Edit description and approve',
  retry: 'Retry with guidance',
  skip: 'Skip',
  fail: 'Fail',
};

/** What each decision needs from the form. */
const needs = { reject: 'comment', retry: 'comment', edit: 'description' };

/** A pending approval (an item of GET …/approvals) and its decision buttons; `onDecided` after a recorded decision. */
export function ApprovalCard({ approval, runPrompt, onDecided }) {
  const [comment, setComment] = useState('');
  const [description, setDescription] = useState(approval.description);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = `${approval.runId}-${approval.nodeId}`.replace(/[^A-Za-z0-9-]/g, '-');

  const decide = async (action) => {
    if (needs[action] === 'comment' && comment.trim() === '') {
      setError(
        action === 'reject'
          ? 'Say why in the comment to reject.'
          : 'Write the guidance for the retry in the comment.',
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { action };
      if (comment.trim() !== '') body.comment = comment.trim();
      if (action === 'edit') body.description = description;
      if (personName()) body.by = personName();
      await api(
        `/v1/runs/${encodeURIComponent(approval.runId)}/nodes/${encodeURIComponent(approval.nodeId)}/decision`,
        { method: 'POST', body },
      );
      onDecided?.(approval, action);
    } catch (failure) {
      setError(
        failure.status === 409
          ? `${failure.message} — someone decided it meanwhile, or the run moved on.`
          : explain(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  const asked = `${approval.kind === 'gate' ? 'approval gate' : 'escalation'} (round ${approval.round}) · asked ${new Date(approval.requestedAt).toLocaleString()}`;
  return html`<article class="approval" data-run-id=${approval.runId} data-node-id=${approval.nodeId} aria-labelledby=${`${key}-title`}>
    <header>
      <h3 id=${`${key}-title`}><span class="symbol status-awaiting_approval" aria-hidden="true">⏸</span>${` ${approval.title}`}</h3>
      <p class="muted">
        <a href=${`#/runs/${encodeURIComponent(approval.runId)}/nodes/${encodeURIComponent(approval.nodeId)}`}>${`${approval.runId} · node ${approval.nodeId}`}</a>${`${runPrompt ? ` · ${runPrompt}` : ''} · ${asked}`}
      </p>
    </header>
    <p class="reason"><strong>${approval.kind === 'gate' ? 'Why it waits:' : 'Why it was escalated:'}</strong>${` ${approval.reason}`}</p>
    <details>
      <summary>Description</summary>
      <pre class="text">${approval.description}</pre>
    </details>
    <label for=${`${key}-comment`}>${`Comment ${approval.kind === 'gate' ? '(needed to reject)' : '(guidance for a retry)'}`}</label>
    <textarea id=${`${key}-comment`} class="comment" rows="2" value=${comment} onInput=${(event) => setComment(event.currentTarget.value)}></textarea>
    ${
      approval.actions.includes('edit')
        ? html`<details class="edit">
          <summary>Edit the description</summary>
          <label for=${`${key}-description`} class="visually-hidden">New description</label>
          <textarea id=${`${key}-description`} class="description" rows="4" value=${description} onInput=${(event) => setDescription(event.currentTarget.value)}></textarea>
        </details>`
        : null
    }
    <div class="actions">
      ${approval.actions.map(
        (action) =>
          html`<button class=${`decide decide-${action}`} data-action=${action} disabled=${busy} onClick=${() => decide(action)}>${labels[action] ?? action}</button>`,
      )}
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </article>`;
}
