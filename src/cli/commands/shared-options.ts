import type { Command } from 'commander';
import { positiveInteger, positiveNumber, providerConcurrency } from '../parse-options.js';

/** Model, agents and output flags of `run` and `resume`. */
export function addRunOptions(command: Command): Command {
  return command
    .option('--llm <spec>', 'openai[:MODEL], anthropic[:MODEL] or script:FILE (default: ARBOR_LLM)')
    .option('--agents <dir>', "folder of agent files (default: Arbor's agents/)")
    .option('--prompts <dir>', "folder of prompt templates (default: Arbor's prompts/)")
    .option('--out <dir>', 'output folder for artifacts (default: ./arbor-out/RUN; resume: the one the run was started with)')
    .option('--json', 'print one JSON line per engine event (no prompts, no control codes)')
    .option('--plain', 'plain progress lines instead of the live view on a terminal')
    .option(...traceContentOption)
    .option('--pace <ms>', 'scripted model: every call takes at least this long, to watch a demo (ARBOR_SCRIPT_PACE_MS)', positiveInteger)
    .hook('preAction', (action) => {
      const pace = action.getOptionValue('pace') as number | undefined;
      if (pace !== undefined) process.env.ARBOR_SCRIPT_PACE_MS = String(pace);
    });
}

/**
 * `--trace-content` of `run`, `resume`, `worker` and `serve`: prompts and answers on the trace spans,
 * which are sent only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (README "Traces").
 */
export const traceContentOption = [
  '--trace-content',
  'put prompts, answers and node titles on the OpenTelemetry spans (sent when OTEL_EXPORTER_OTLP_ENDPOINT is set)',
] as const;

/** How the kinds of limits combine, after the flags in `run --help` and `resume --help`. */
export const limitsHelp = `
How limits combine:
  A call starts only when a slot is free at every level that applies:
    --concurrency N            all calls of the run together (default 8)
    concurrency: N in agents/ROLE.yaml
                               one role's calls (opt-in; unset = only --concurrency);
                               a role limited below --concurrency is named at start
    --provider-concurrency     one provider's calls in this process, across roles
  With workers (arbor worker), each worker applies these to its own calls: N workers run up to
  N times as many calls at once.
  Budgets stop new work when reached and leave the run resumable with a higher limit:
    --max-depth, --max-nodes   the tree's shape
    --max-calls, --max-tokens, --max-cost
                               shared by every process working on the run (workers included)
`;

/** Budget and concurrency flags of \`run\` and \`resume\`, with how they combine in the help. */
export function addLimitOptions(command: Command): Command {
  return command
    .addHelpText('after', limitsHelp)
    .option('--max-depth <n>', 'deepest level the tree may reach (default 4)', positiveInteger)
    .option('--max-nodes <n>', 'most nodes in the tree (default 500)', positiveInteger)
    .option('--max-calls <n>', 'most LLM calls (default 2000)', positiveInteger)
    .option('--max-tokens <n>', 'most tokens, input plus output', positiveInteger)
    .option('--max-cost <usd>', 'most cost in USD', positiveNumber)
    .option('--max-attempts <n>', 'executor attempts per node before a person is asked (default 3)', positiveInteger)
    .option('-c, --concurrency <n>', 'LLM calls in flight at once (default 8)', positiveInteger)
    .option(...providerConcurrencyOption);
}

/** `--provider-concurrency` of `run`, `resume` and `worker`: a limit of this process, not stored with the run. */
export const providerConcurrencyOption = [
  '--provider-concurrency <list>',
  'most LLM calls in flight per provider in this process, e.g. openai=4,anthropic=2 (default: no limit but --concurrency)',
  providerConcurrency,
] as const;
