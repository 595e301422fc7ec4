import Handlebars from 'handlebars';
import { err, ok, type NodeStatus, type ParamValue, type Result } from '../domain/index.js';

/** A variable a step prompt uses, and where in the prompt (1-based line, 0-based column). */
export interface TemplateVariable {
  /** As written, e.g. `params.diff` or `steps.review.result`. */
  name: string;
  parts: string[];
  line: number;
  column: number;
}

/** What `steps.KEY` offers a prompt. */
export const stepFields = ['result', 'summary', 'status'] as const;

/** The blocks a step prompt may use; others (`each`, `with`, helpers) are refused by the check. */
const allowedBlocks = new Set(['if', 'unless']);

/** A syntax error or a construct step prompts do not allow, with where it is in the prompt. */
export interface TemplateProblem {
  message: string;
  line: number;
  column: number;
}

/**
 * The variables a step prompt uses, or the problems that keep it from being one: a syntax error,
 * a helper or a block other than `{{#if}}` and `{{#unless}}`.
 */
export function templateVariables(prompt: string): Result<TemplateVariable[], TemplateProblem[]> {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(prompt);
  } catch (error) {
    const lines = (error as Error).message.split('\n');
    const expecting = lines.length > 1 ? ` ${lines[lines.length - 1]}` : '';
    const at = /line (\d+)/.exec(lines[0] ?? '');
    const message = `prompt is not a valid template: ${(lines[0] ?? '').replace(/:$/, '')}${expecting ? ':' : ''}${expecting}`;
    return err([{ message, line: at ? Number(at[1]) : 1, column: 0 }]);
  }
  const variables: TemplateVariable[] = [];
  const problems: TemplateProblem[] = [];
  const visitExpression = (expression: hbs.AST.Expression): void => {
    if (expression.type !== 'PathExpression') return;
    const path = expression as hbs.AST.PathExpression;
    variables.push({
      name: path.original,
      parts: path.parts,
      line: path.loc.start.line,
      column: path.loc.start.column,
    });
  };
  const visit = (statements: readonly hbs.AST.Statement[]): void => {
    for (const statement of statements) {
      if (statement.type === 'MustacheStatement') {
        const mustache = statement as hbs.AST.MustacheStatement;
        if (mustache.params.length > 0 || mustache.hash?.pairs.length)
          problems.push({ ...at(statement), message: 'helpers are not available in step prompts' });
        else visitExpression(mustache.path);
      } else if (statement.type === 'BlockStatement') {
        const block = statement as hbs.AST.BlockStatement;
        const name = block.path.original;
        if (!allowedBlocks.has(name))
          problems.push({
            ...at(statement),
            message: `{{#${name}}} is not available in step prompts (use {{#if}} or {{#unless}})`,
          });
        block.params.forEach(visitExpression);
        visit(block.program?.body ?? []);
        visit(block.inverse?.body ?? []);
      } else if (statement.type !== 'ContentStatement' && statement.type !== 'CommentStatement') {
        problems.push({ ...at(statement), message: `${statement.type} is not available in step prompts` });
      }
    }
  };
  visit(program.body);
  return problems.length > 0 ? err(problems) : ok(variables);
}

function at(node: hbs.AST.Node): { line: number; column: number } {
  return { line: node.loc.start.line, column: node.loc.start.column };
}

/** What `steps.KEY` holds when a prompt is rendered. */
export interface StepValues {
  result: string;
  summary: string;
  status: NodeStatus;
}

/** The data a step prompt is rendered with. */
export interface StepPromptData {
  params: Readonly<Record<string, ParamValue>>;
  steps: Readonly<Record<string, StepValues>>;
}

/**
 * Renders a step prompt when the step starts. Only the prompt, written by a person, is compiled;
 * params and results are data, inserted as they are: a result that holds `{{…}}` stays that text
 * and is never read as template syntax.
 */
export function renderStepPrompt(prompt: string, data: StepPromptData): string {
  const template = Handlebars.compile(prompt, { noEscape: true, strict: false, knownHelpersOnly: true });
  return template(data, { allowProtoPropertiesByDefault: false });
}
