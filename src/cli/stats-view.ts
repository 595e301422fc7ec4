import type { CallTotals, RunStats, RunTotals } from '../api/index.js';
import { formatTable } from './format-table.js';
import { formatCost, formatDuration, formatTokens } from './format-usage.js';

/** A title for one line of a table: long titles are cut. */
function short(text: string, length = 48): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;
const times = (ratio: number) => `${ratio.toFixed(2)}×`;
const tokensOf = (totals: CallTotals) => formatTokens(totals.inputTokens + totals.outputTokens);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Columns every usage table ends with: calls, tokens, cost and call time. */
const usageHeader = ['calls', 'tokens', 'cost', 'call time'];
const usageCells = (totals: CallTotals) => [
  totals.failedCalls > 0 ? `${totals.calls} (${totals.failedCalls} failed)` : String(totals.calls),
  tokensOf(totals),
  formatCost(totals.costUsd),
  formatDuration(totals.callMs),
];

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ['', title, ...lines.map((line) => `  ${line}`)];
}

/**
 * `arbor stats RUN` for people: wall time against the lower bound, the critical path, the slowest
 * nodes, usage by role, model and top-level task, checks and repeats, and waiting for people.
 */
export function renderRunStats(stats: RunStats): string[] {
  const { lowerBound: bound, waitingForPeople: waiting, checks, repeats } = stats;
  const lines = [
    `Run ${stats.runId}  ${stats.status}  ${plural(stats.nodes, 'node')}  ${plural(stats.totals.calls, 'call')}  ${tokensOf(stats.totals)} tok · ${formatCost(stats.totals.costUsd)}`,
    `  ${short(stats.prompt, 76)}`,
  ];

  const timeRows = [
    [
      'wall time',
      formatDuration(bound.wallMs),
      bound.ratio === null
        ? 'no calls yet'
        : `${times(bound.ratio)} the lower bound of ${formatDuration(bound.boundMs)}`,
    ],
    [
      'critical path',
      formatDuration(bound.criticalPathMs),
      `${plural(stats.criticalPath.length, 'node')} one after another`,
    ],
    [
      'calls ÷ slots',
      formatDuration(bound.fullSlotsMs),
      `${formatDuration(bound.totalCallMs)} of calls ÷ concurrency ${bound.concurrency}`,
    ],
  ];
  if (waiting.spans.length > 0) {
    const still = waiting.spans.some((span) => span.to === null) ? ', one still waiting' : '';
    const without =
      bound.ratioWithoutWaiting === null ? '' : `; without it ${times(bound.ratioWithoutWaiting)} the bound`;
    timeRows.push([
      'waiting for people',
      formatDuration(waiting.idleMs),
      `with no call running (${plural(waiting.spans.length, 'wait')}, ${formatDuration(waiting.totalMs)} in all${still})${without}`,
    ]);
  }
  lines.push(...section('Time', formatTable(timeRows, ['left', 'right'])));

  lines.push(
    ...section(
      'Critical path',
      formatTable(
        stats.criticalPath.map((step) => [formatDuration(step.callMs), step.nodeId, short(step.title)]),
        ['right'],
      ),
    ),
  );
  if (stats.slowestNodes.length > 0)
    lines.push(
      ...section(
        'Slowest nodes (by their own call time)',
        formatTable(
          [
            ['node', 'status', ...usageHeader, 'wall', 'title'],
            ...stats.slowestNodes.map((node) => [
              node.nodeId,
              node.status,
              ...usageCells(node),
              node.wallMs === null ? '–' : formatDuration(node.wallMs),
              short(node.title),
            ]),
          ],
          ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
        ),
      ),
    );
  const usageAlign = ['left', 'right', 'right', 'right', 'right'] as const;
  if (stats.byRole.length > 0)
    lines.push(
      ...section(
        'By role',
        formatTable(
          [['role', ...usageHeader], ...stats.byRole.map((entry) => [entry.role, ...usageCells(entry)])],
          usageAlign,
        ),
      ),
    );
  if (stats.byModel.length > 0)
    lines.push(
      ...section(
        'By model',
        formatTable(
          [
            ['model', ...usageHeader],
            ...stats.byModel.map((entry) => [`${entry.provider}:${entry.model}`, ...usageCells(entry)]),
          ],
          usageAlign,
        ),
      ),
    );
  if (stats.bySubtree.length > 0)
    lines.push(
      ...section(
        'By top-level task',
        formatTable(
          [
            ['node', ...usageHeader, 'nodes', 'title'],
            ...stats.bySubtree.map((entry) => [
              entry.nodeId,
              ...usageCells(entry),
              String(entry.nodes),
              entry.scope === 'own' ? "(the root's own calls: plan, sequence)" : short(entry.title),
            ]),
          ],
          ['left', 'right', 'right', 'right', 'right', 'right'],
        ),
      ),
    );

  const reaskRoles = Object.entries(repeats.reasksByRole).filter(([, count]) => count > 0);
  const repeatRows = [
    [
      'passed first check',
      checks.firstAttemptPassRate === null ? '–' : percent(checks.firstAttemptPassRate),
      checks.checkedNodes === 0
        ? 'nothing checked'
        : `${checks.passedFirstAttempt} of ${plural(checks.checkedNodes, 'checked node')}; ${plural(checks.failedChecks, 'failed check')}`,
    ],
    [
      'provider retries',
      String(repeats.providerRetries),
      (repeats.retriedCalls === 0 ? 'no provider faults' : `in ${plural(repeats.retriedCalls, 'call')}`) +
        (repeats.callsWithoutRetryCount > 0
          ? ` (${repeats.callsWithoutRetryCount} older calls not counted)`
          : ''),
    ],
    [
      're-asks',
      String(repeats.reasks),
      reaskRoles.length === 0
        ? 'every answer was valid'
        : reaskRoles.map(([role, count]) => `${role} ${count}`).join(', '),
    ],
  ];
  lines.push(...section('Checks and repeats', formatTable(repeatRows, ['left', 'right'])));

  if (waiting.spans.length > 0)
    lines.push(
      ...section(
        'Waiting for people',
        formatTable(
          waiting.spans.map((span) => [
            formatDuration(span.ms),
            span.nodeId,
            short(span.title),
            span.to === null ? 'still waiting' : '',
          ]),
          ['right'],
        ).map((line) => line.trimEnd()),
      ),
    );
  return lines;
}

/** `arbor runs --stats`: totals across runs, then cost per day. */
export function renderRunTotals(totals: RunTotals): string[] {
  const statuses = Object.entries(totals.byStatus)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const lines = [
    '',
    `Totals  ${plural(totals.runs, 'run')} (${statuses || 'none'})  ${plural(totals.calls, 'call')}  ${formatTokens(totals.tokens)} tok · ${formatCost(totals.costUsd)}`,
    ...formatTable(
      [
        [
          'failure rate',
          totals.failureRate === null ? '–' : percent(totals.failureRate),
          'of runs that ended',
        ],
        [
          'median run time',
          totals.medianRunMs === null ? '–' : formatDuration(totals.medianRunMs),
          'from start to end',
        ],
      ],
      ['left', 'right'],
    ).map((line) => `  ${line}`),
  ];
  if (totals.byDay.length > 0)
    lines.push(
      ...section(
        'Per day',
        formatTable(
          [
            ['day', 'runs', 'failed', 'calls', 'tokens', 'cost'],
            ...totals.byDay.map((day) => [
              day.day,
              String(day.runs),
              String(day.failed),
              String(day.calls),
              formatTokens(day.tokens),
              formatCost(day.costUsd),
            ]),
          ],
          ['left', 'right', 'right', 'right', 'right', 'right'],
        ),
      ),
    );
  return lines;
}
