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
    .option('--pace <ms>', 'scripted model: every call takes at least this long, to watch a demo (ARBOR_SCRIPT_PACE_MS)', positiveInteger)
    .hook('preAction', (action) => {
      const pace = action.getOptionValue('pace') as number | undefined;
      if (pace !== undefined) process.env.ARBOR_SCRIPT_PACE_MS = String(pace);
    });
}

/** Budget and concurrency flags of `run` and `resume`. */
export function addLimitOptions(command: Command): Command {
  return command
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
