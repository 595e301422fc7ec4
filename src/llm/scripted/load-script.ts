import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../../domain/index.js';
import { parseScript, scriptError, type Script } from './parse-script.js';

/**
 * Reads, validates and compiles a script file (`--llm script:FILE`). YAML and JSON are both read
 * with the YAML parser (JSON is YAML); the extension or the first character only decides which
 * syntax errors are reported as. Throws a `UsageError` naming the file and the problem.
 */
export function loadScript(path: string): Script {
  const text = readScriptText(path);
  const syntax =
    extname(path).toLowerCase() === '.json' || text.trimStart().startsWith('{') ? 'JSON' : 'YAML';
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError !== undefined)
    throw scriptError(path, [`${syntax} syntax error: ${firstError.message.trimEnd()}`]);
  const definition: unknown = document.toJS();
  if (definition === null || definition === undefined)
    throw scriptError(path, ['the file is empty; expected a mapping with rules and/or defaults']);
  return parseScript(definition, path);
}

function readScriptText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new UsageError(`script ${path}: ${problem}`, {
      cause: error,
      hint: 'Check the path after --llm script: (a relative path starts at the working directory).',
    });
  }
}
