// What `arbor show` prints about one node (GET …/nodes/ID), refreshed when the node moves.
// (htm drops whitespace that holds a line break: text and values of one sentence stay on one line.)

import { html } from './html.js';
import { openFile } from './api.js';
import { ApprovalCard } from './approval-card.js';
import { formatCost, formatDuration, formatTokens, statusSymbols } from './format.js';

/** The node's record: place, description, approval, attempts and checks, result, usage, timings, events, model calls. */
export function NodePanel({ document, lookup, onClose, onSelect, onDecided }) {
  if (!document)
    return html`<section class="panel node-panel" aria-label="Node"><p class="muted">Loading the node…</p></section>`;
  if (document.missing)
    return html`<section class="panel node-panel" aria-label="Node">
      <header class="panel-header">
        <h2 id="node-heading">${`No node ${document.missing} in this run`}</h2>
        <button class="close" aria-label="Close the node panel" onClick=${onClose}>✕</button>
      </header>
      <p class="muted">${document.detail}</p>
    </section>`;
  const { node, events, calls } = document;
  const pending = document.pendingApproval;
  const usage = node.usage;
  const link = (id) =>
    html`<button class="link" onClick=${() => onSelect(id)}>${`${id} ${lookup(id)?.title ?? ''}`}</button>`;
  const place = `Run ${node.runId} · key ${node.key} · depth ${node.depth} · group ${node.group ?? '—'}${node.integration ? ' · integration step' : ''}`;
  const took =
    node.startedAt && node.endedAt
      ? ` · took ${formatDuration(Date.parse(node.endedAt) - Date.parse(node.startedAt))}`
      : '';
  return html`<section class="panel node-panel" aria-labelledby="node-heading">
    <header class="panel-header">
      <h2 id="node-heading" tabindex="-1">
        <span class=${`status-${node.status}`}>${`${statusSymbols[node.status]} ${node.status}`}</span>${` Node ${node.id}: ${node.title}`}
      </h2>
      <button class="close" aria-label="Close the node panel" onClick=${onClose}>✕</button>
    </header>
    <p class="muted">${place}</p>
    <p class="path">Path: ${[...node.ancestors, node.id].map((id, index) => html`${index > 0 ? ' › ' : ''}${link(id)}`)}</p>
    ${
      node.dependsOn.length > 0
        ? html`<p>Depends on: ${node.dependsOn.map((id, index) => html`${index > 0 ? '; ' : ''}${link(id)}${` (${lookup(id)?.status ?? '?'})`}`)}</p>`
        : null
    }
    ${node.notes.length > 0 ? html`<p>${`Notes: ${node.notes.join(', ')}`}</p>` : null}
    ${pending ? html`<${ApprovalCard} approval=${pending} onDecided=${onDecided} />` : null}

    <h3>Description</h3>
    <pre class="text">${node.description}</pre>

    ${node.requiresApproval || node.approval ? html`<h3>Approval</h3>${approvalSection(node.approval)}` : null}

    <h3>Attempts</h3>
    <p>${`${node.attempts} executor attempt${node.attempts === 1 ? '' : 's'} in the current check loop; answered calls: planner ${node.calls.planner}, sequencer ${node.calls.sequencer}, executor ${node.calls.executor}, checker ${node.calls.checker}`}</p>
    ${
      node.checks.length > 0
        ? html`<ul class="checks">
          ${node.checks.map(
            (check) =>
              html`<li class=${`check check-${check.verdict}`}><strong>${`check #${check.attempt} ${check.verdict}`}</strong>${` at ${check.at}${check.feedback ? ` — ${check.feedback}` : ''}`}</li>`,
          )}
        </ul>`
        : null
    }
    ${node.error ? html`<p class="error">${`Error (${node.error.kind}): ${node.error.message}`}</p>` : null}

    <h3>Result</h3>
    ${node.result ? resultSection(node.result, node.runId) : html`<p class="muted">None yet.</p>`}

    <h3>Usage</h3>
    <p>${`${usage.calls} calls · ${formatTokens(usage.inputTokens)} in / ${formatTokens(usage.outputTokens)} out (${formatTokens(usage.cachedTokens)} cached) · ${formatCost(usage.costUsd)}`}</p>

    <h3>Timings</h3>
    <p>${`created ${node.createdAt} · started ${node.startedAt ?? '—'} · ended ${node.endedAt ?? '—'}${took}`}</p>

    <h3>${`Model calls (${calls.length})`}</h3>
    ${calls.map(
      (call, index) =>
        html`<details class="call" data-role=${call.role}>
          <summary>${callSummary(call, index)}</summary>
          <h4>System prompt</h4>
          <pre class="text prompt">${call.system}</pre>
          ${call.messages.map(
            (message) =>
              html`<h4>${message.role === 'user' ? 'User prompt' : 'Earlier answer (assistant)'}</h4>
                <pre class="text prompt">${message.content}</pre>`,
          )}
          <h4>Answer</h4>
          <pre class="text answer">${call.answer ?? '(none)'}</pre>
        </details>`,
    )}

    <h3>${`Events (${events.length})`}</h3>
    <ol class="events">
      ${events.map(
        (event) =>
          html`<li><time>${event.at}</time>${` ${event.from ?? 'new'} → `}<span class=${`status-${event.to}`}>${event.to}</span>${` (${event.type} by ${event.actor})${event.reason ? ` ${event.reason}` : ''}`}</li>`,
      )}
    </ol>
  </section>`;
}

function approvalSection(approval) {
  if (!approval) return html`<p>Flagged; not asked yet.</p>`;
  const decision = approval.decision;
  return html`<p>${`${approval.kind} (round ${approval.round}), asked ${approval.requestedAt}: ${approval.reason}`}</p>
    <p>
      ${
        decision
          ? html`Decision: <strong>${decision.action}</strong>${` by ${decision.by} at ${decision.at}${decision.comment ? ` — “${decision.comment}”` : ''}`}`
          : 'Decision: none yet'
      }
    </p>
    ${decision?.description ? html`<p>New description:</p><pre class="text">${decision.description}</pre>` : null}`;
}

function resultSection(result, runId) {
  return html`<p><strong>Summary:</strong> ${result.summary}</p>
    ${result.output ? html`<pre class="text">${result.output}</pre>` : null}
    ${
      result.artifacts.length > 0
        ? html`<h4>Artifacts</h4>
          ${result.artifacts.map(
            (artifact) =>
              html`<details class="artifact">
                <summary>${`${artifact.path} · ${new TextEncoder().encode(artifact.content).length} bytes`}</summary>
                <p><button class="link" onClick=${() => openFile(`/v1/runs/${encodeURIComponent(runId)}/artifacts/${artifact.path.split('/').map(encodeURIComponent).join('/')}`).catch((error) => window.alert(error.message))}>Open the file from the run's output folder</button></p>
                <pre class="text">${artifact.content}</pre>
              </details>`,
          )}`
        : null
    }`;
}

/** `1. executor #2 · 1.2s · complete · 1.5k tok · $0.0031`. */
function callSummary(call, index) {
  const took = formatDuration(Date.parse(call.endedAt) - Date.parse(call.startedAt));
  const outcome = call.error ? `error: ${call.error}` : (call.finishReason ?? 'no answer');
  const usage = call.usage
    ? ` · ${formatTokens(call.usage.inputTokens + call.usage.outputTokens)} tok · ${formatCost(call.usage.costUsd)}`
    : '';
  const model = call.model ? ` · ${call.provider ?? ''}:${call.model}` : '';
  return `${index + 1}. ${call.role} #${call.attempt} · ${took} · ${outcome}${usage}${model}`;
}
