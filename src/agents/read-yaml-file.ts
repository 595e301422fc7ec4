import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { didYouMean, knownKeys, UsageError } from '../domain/index.js';

/** What kind of file a {@link readYamlFile} reads, for its messages. */
export interface YamlFileKind {
  /** `agent file`, `config file`. */
  what: string;
  /** The fix when the file cannot be read. */
  readHint: string;
  /** The fix when a field is wrong: where its fields are described. */
  fieldsHint: string;
}

/**
 * Reads a YAML file and parses it with `schema`. Any problem is a `UsageError` naming the file: a
 * syntax error with the offending line and a caret, a bad field by its path, an unknown key with the
 * one it most likely meant. A missing file that is not `required` is undefined.
 */
export async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: YamlFileKind & { required: true },
): Promise<z.infer<S>>;
export async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: YamlFileKind & { required: false },
): Promise<z.infer<S> | undefined>;
export async function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: YamlFileKind & { required: boolean },
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${options.what} ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: options.readHint,
    });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const frame = error instanceof YAMLParseError && error.linePos ? codeFrame(text, error.linePos[0]) : null;
    const what = (error as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const where = frame ? ` at line ${frame.line}` : '';
    throw new UsageError(`${options.what} ${file} is not valid YAML${where}: ${what}${frame ? `\n${frame.text}` : ''}`, {
      cause: error,
      hint: 'fix the YAML syntax in that file',
    });
  }
  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the file';
    const known = issue ? knownKeys(schema, issue.path) : [];
    const typo = issue?.code === 'unrecognized_keys' ? issue.keys.map((key) => [key, didYouMean(key, known)] as const).find(([, meant]) => meant) : undefined;
    throw new UsageError(`${options.what} ${file}: ${field}: ${issue?.message ?? 'invalid'}${typo ? ` (did you mean "${typo[1]}"?)` : ''}`, {
      hint: typo ? `rename "${typo[0]}" to "${typo[1]}" in that file` : options.fieldsHint,
    });
  }
  return parsed.data;
}

/**
 * The line a YAML error points at, with a caret under the column. An error at the end of the text
 * (an unclosed bracket) points at the last line that has text, with the caret after it.
 */
function codeFrame(text: string, at: { line: number; col: number }): { line: number; text: string } {
  const lines = text.split('\n');
  let line = Math.min(at.line, lines.length);
  let col = at.col;
  while (line > 1 && (lines[line - 1] ?? '').trim() === '') {
    line--;
    col = (lines[line - 1] ?? '').length + 1;
  }
  const number = String(line);
  return { line, text: `  ${number} | ${lines[line - 1] ?? ''}\n  ${' '.repeat(number.length)} | ${' '.repeat(Math.max(0, col - 1))}^` };
}
