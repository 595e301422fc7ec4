import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { agentRoles, UsageError, type AgentRole } from '../domain/index.js';
import type { AgentsConfig } from './agents-config.js';

/** A rendered prompt: the stable part first (cacheable), then the node-specific part. */
export interface RenderedPrompt {
  system: string;
  user: string;
}

/** A compiled role template. */
export type PromptTemplate = (data: object) => RenderedPrompt;

/** The compiled template of each role. */
export type PromptTemplates = Record<AgentRole, PromptTemplate>;

interface RenderData {
  systemParts: string[];
}

/**
 * Compiles each role's template (named in its agent file) from `promptsDir`. A template marks its
 * stable part with `{{#system}}…{{/system}}`; the rest is the user message. Templates are compiled
 * from files only: notes and model output are passed as data and never compiled.
 */
export async function loadPromptTemplates(promptsDir: string, agents: AgentsConfig): Promise<PromptTemplates> {
  const templates = {} as PromptTemplates;
  for (const role of agentRoles)
    templates[role] = await loadTemplate(promptsDir, agents.roles[role].template, {
      what: `the ${role} prompt template`,
      hint: `pass --prompts DIR with ${agents.roles[role].template}, or fix "template" in the ${role} agent file`,
    });
  return templates;
}

/** The template an agent file names (a written step's own agent file), compiled from `promptsDir`. */
export function loadPromptTemplate(
  promptsDir: string,
  template: string,
  fault: { what: string; hint: string },
): Promise<PromptTemplate> {
  return loadTemplate(promptsDir, template, fault);
}

/**
 * Templates compiled so far, by file and text: a process that starts many runs (`arbor serve`)
 * compiles each once, not for every run, while an edited file is compiled again. The last
 * {@link compiledKept} are kept.
 */
const compiled = new Map<string, PromptTemplate>();
const compiledKept = 64;
let sharedHandlebars: typeof Handlebars | null = null;

async function loadTemplate(
  promptsDir: string,
  template: string,
  fault: { what: string; hint: string },
): Promise<PromptTemplate> {
  const file = path.join(promptsDir, template);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${fault.what} ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: fault.hint,
    });
  }
  const key = `${file}\0${source}`;
  let made = compiled.get(key);
  if (!made) {
    made = compileTemplate((sharedHandlebars ??= createHandlebars()), source, file);
    compiled.set(key, made);
    if (compiled.size > compiledKept) compiled.delete(compiled.keys().next().value!);
  }
  return made;
}

function compileTemplate(handlebars: typeof Handlebars, source: string, file: string): PromptTemplate {
  try {
    // compile() is lazy; precompile() parses now so a syntax error stops the run before any work.
    handlebars.precompile(source);
  } catch (error) {
    throw new UsageError(`prompt template ${file} has a syntax error: ${describeParseError(error)}`, {
      cause: error,
      hint: 'fix the handlebars syntax in that file (see "Prompts" in the README)',
    });
  }
  const template = handlebars.compile(source, { noEscape: true });
  return (data) => {
    const renderData: RenderData = { systemParts: [] };
    let user: string;
    try {
      user = template(data, { data: renderData });
    } catch (error) {
      throw new UsageError(`prompt template ${file} failed to render: ${(error as Error).message}`, {
        cause: error,
        hint: 'check the helpers and fields that template uses (see "Prompts" in the README)',
      });
    }
    return { system: tidy(renderData.systemParts.join('\n\n')), user: tidy(user) };
  };
}

/** Handlebars puts the line first and what it expected last; keep both, and say it plainly for EOF. */
function describeParseError(error: unknown): string {
  const lines = (error as Error).message.split('\n').filter((line) => line.trim() !== '');
  const where = lines[0] ?? 'parse error';
  const what = lines.at(-1) ?? '';
  if (/got 'EOF'/.test(what)) return `${where} a block ({{#…}}) is not closed before the end of the file`;
  return lines.length > 1 ? `${where} ${what}` : where;
}

function createHandlebars(): typeof Handlebars {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('system', function (this: unknown, options: Handlebars.HelperOptions) {
    (options.data as RenderData).systemParts.push(options.fn(this));
    return '';
  });
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  handlebars.registerHelper('truncate', (value: unknown, length: unknown) => {
    const text = typeof value === 'string' ? value : '';
    const limit = typeof length === 'number' ? length : 400;
    return text.length > limit ? `${text.slice(0, limit)}…` : text;
  });
  handlebars.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  return handlebars;
}

/** Collapses the blank lines that block helpers leave behind. */
function tidy(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').trim();
}
