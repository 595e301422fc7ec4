import Handlebars from 'handlebars';
import { err, ok, type Result } from '../../domain/index.js';
import type { CallSubject } from '../model.js';

/** What a scripted answer's strings may refer to: `{{node.title}}`, `{{run.prompt}}`, `{{attempt}}`. */
export interface TemplateContext {
  node: CallSubject['node'];
  run: CallSubject['run'];
  attempt: number;
}

/** A scripted answer whose strings are compiled templates; rendering it builds the answer value. */
export type AnswerTemplate = (context: TemplateContext) => unknown;

/** Where a template failed to parse, as a path into the answer, and why. */
export interface TemplateSyntaxError {
  path: readonly (string | number)[];
  message: string;
}

const handlebars = Handlebars.create();

/**
 * Compiles every string inside a script's answer value as a handlebars template, once. Only the
 * script's own strings are compiled; the context (node titles, prompts) is data. Output is not
 * HTML-escaped and unknown fields render as empty strings.
 */
export function compileAnswerTemplate(
  value: unknown,
  path: readonly (string | number)[] = [],
): Result<AnswerTemplate, TemplateSyntaxError> {
  if (typeof value === 'string') return compileString(value, path);
  if (Array.isArray(value)) {
    const items: AnswerTemplate[] = [];
    for (const [index, item] of value.entries()) {
      const compiled = compileAnswerTemplate(item, [...path, index]);
      if (!compiled.success) return compiled;
      items.push(compiled.value);
    }
    return ok((context) => items.map((item) => item(context)));
  }
  if (typeof value === 'object' && value !== null) {
    const fields: [string, AnswerTemplate][] = [];
    for (const [key, field] of Object.entries(value)) {
      const compiled = compileAnswerTemplate(field, [...path, key]);
      if (!compiled.success) return compiled;
      fields.push([key, compiled.value]);
    }
    return ok((context) => Object.fromEntries(fields.map(([key, field]) => [key, field(context)])));
  }
  return ok(() => value);
}

function compileString(
  text: string,
  path: readonly (string | number)[],
): Result<AnswerTemplate, TemplateSyntaxError> {
  if (!text.includes('{{')) return ok(() => text);
  try {
    const render = handlebars.compile<TemplateContext>(handlebars.parse(text), {
      noEscape: true,
      strict: false,
    });
    return ok((context) => render(context));
  } catch (error) {
    return err({ path, message: (error as Error).message });
  }
}
