import { styleText } from 'node:util';
import { type ModelCall, type NodeEvent, type TaskNode } from '../domain/index.js';
import { formatCost, formatDuration, formatTokens, formatUsage } from './format-usage.js';
import { statusColors, statusSymbols } from './tree-view.js';

/** What `arbor show` prints about one node. */
export interface NodeReportInput {
  node: TaskNode;
  events: readonly NodeEvent[];
  calls: readonly ModelCall[];
  /** Other nodes of the run, for ancestor and dependency titles. */
  lookup: (id: string) => TaskNode | undefined;
  color: boolean;
}

/**
 * A node's full record as text: place in the tree, description, approval and decision, attempts
 * with check feedback, result, artifacts, usage, timings, events, and every model call with the
 * prompt it was sent and the answer.
 */
export function renderNodeReport(input: NodeReportInput): string[] {
  const { node, lookup } = input;
  const bold = (text: string) => (input.color ? styleText('bold', text) : text);
  const dim = (text: string) => (input.color ? styleText('gray', text) : text);
  const mark = `${statusSymbols[node.status]} ${node.status}`;
  const lines: string[] = [];
  const section = (title: string) => lines.push('', bold(title));

  lines.push(`${bold(`Node ${node.id}`)}  ${input.color ? styleText(statusColors[node.status], mark) : mark}  ${node.title}`);
  lines.push(`Run ${node.runId} · key ${node.key} · depth ${node.depth} · group ${node.group ?? '—'}${node.integration ? ' · integration step' : ''}`);
  lines.push(`Path: ${[...node.ancestors.map((id) => `${id} ${lookup(id)?.title ?? ''}`.trim()), `${node.id} ${node.title}`].join(' › ')}`);
  if (node.dependsOn.length > 0)
    lines.push(`Depends on: ${node.dependsOn.map((id) => `${id} ${lookup(id)?.title ?? ''} (${lookup(id)?.status ?? '?'})`).join('; ')}`);
  if (node.notes.length > 0) lines.push(`Notes: ${node.notes.join(', ')}`);

  section('Description');
  lines.push(...indent(node.description));

  if (node.requiresApproval || node.approval) {
    section('Approval');
    const approval = node.approval;
    if (!approval) lines.push('  flagged; not asked yet');
    else {
      lines.push(`  ${approval.kind} (round ${approval.round}), asked ${approval.requestedAt}: ${approval.reason}`);
      const decision = approval.decision;
      lines.push(
        decision
          ? `  decision: ${decision.action} by ${decision.by} at ${decision.at}${decision.comment ? ` — "${decision.comment}"` : ''}`
          : '  decision: none yet',
      );
      if (decision?.description) lines.push('  new description:', ...indent(decision.description, 4));
    }
  }

  section('Attempts');
  const calls = node.calls;
  lines.push(`  ${node.attempts} executor attempt${node.attempts === 1 ? '' : 's'} in the current check loop; answered calls: planner ${calls.planner}, sequencer ${calls.sequencer}, executor ${calls.executor}, checker ${calls.checker}`);
  for (const check of node.checks)
    lines.push(`  check #${check.attempt} ${check.verdict} at ${check.at}${check.feedback ? ` — ${check.feedback}` : ''}`);
  if (node.error) lines.push(`  error (${node.error.kind}): ${node.error.message}`);

  section('Result');
  if (!node.result) lines.push('  none');
  else {
    lines.push(`  Summary: ${node.result.summary}`);
    if (node.result.output) lines.push('  Output:', ...indent(node.result.output, 4));
    if (node.result.artifacts.length > 0) {
      lines.push('  Artifacts:');
      for (const artifact of node.result.artifacts)
        lines.push(`    ${artifact.path}  ${Buffer.byteLength(artifact.content, 'utf8')} bytes`);
    }
  }

  section('Usage');
  const usage = node.usage;
  lines.push(`  ${usage.calls} calls · ${formatTokens(usage.inputTokens)} in / ${formatTokens(usage.outputTokens)} out (${formatTokens(usage.cachedTokens)} cached) · ${formatCost(usage.costUsd)}`);

  section('Timings');
  lines.push(`  created ${node.createdAt} · started ${node.startedAt ?? '—'} · ended ${node.endedAt ?? '—'}`);
  if (node.startedAt && node.endedAt) lines.push(`  took ${formatDuration(Date.parse(node.endedAt) - Date.parse(node.startedAt))}`);

  section(`Events (${input.events.length})`);
  for (const event of input.events)
    lines.push(`  ${event.at}  ${event.from ?? 'new'} → ${event.to}  (${event.type} by ${event.actor})${event.reason ? `  ${event.reason}` : ''}`);

  section(`Model calls (${input.calls.length})`);
  input.calls.forEach((call, index) => {
    const took = formatDuration(Date.parse(call.endedAt) - Date.parse(call.startedAt));
    const outcome = call.error ? `error: ${call.error}` : (call.finishReason ?? 'no answer');
    const usageText = call.usage ? ` · ${formatUsage(call.usage)}` : '';
    lines.push(`  ── ${index + 1}. ${call.role} #${call.attempt}  ${call.startedAt}  ${took}  ${outcome}${usageText}`);
    lines.push(dim('  system:'), ...indent(call.system, 4));
    for (const message of call.messages) lines.push(dim(`  ${message.role === 'user' ? 'user' : 'assistant (earlier answer)'}:`), ...indent(message.content, 4));
    if (call.answer !== null) lines.push(dim('  answer:'), ...indent(call.answer, 4));
  });
  return lines;
}

function indent(text: string, spaces = 2): string[] {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => (line ? `${pad}${line}` : ''));
}
