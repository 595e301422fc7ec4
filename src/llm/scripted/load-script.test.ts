import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../domain/index.js';
import { loadScript } from './load-script.js';

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'arbor-script-'));
});

function write(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

function loadError(path: string): UsageError {
  try {
    loadScript(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${path} to fail to load`);
}

describe('loadScript', () => {
  it('loads a YAML script with compiled title patterns', () => {
    const path = write(
      'good.script.yaml',
      [
        'delayMs: 25',
        'rules:',
        '  - role: executor',
        '    title: "^Deploy"',
        '    depth: 1',
        '    raw: nope',
        'defaults:',
        '  sequencer: auto',
      ].join('\n'),
    );
    const script = loadScript(path);
    expect(script.name).toBe('good.script.yaml');
    expect(script.delayMs).toBe(25);
    expect(script.rules[0]).toMatchObject({
      role: 'executor',
      depth: 1,
      attempt: null,
      answer: { kind: 'raw', text: 'nope' },
    });
    expect(script.rules[0]!.title).toEqual(/^Deploy/);
    expect(script.defaults.sequencer).toEqual({ kind: 'auto' });
  });

  it('loads a JSON script', () => {
    const path = write(
      'good.json',
      JSON.stringify({ defaults: { checker: { verdict: 'pass', feedback: '' } } }),
    );
    expect(loadScript(path).defaults.checker).toMatchObject({ kind: 'respond' });
  });

  it('names a missing file and how to fix the path', () => {
    const error = loadError(join(folder, 'nope.yaml'));
    expect(error.message).toBe(`script ${join(folder, 'nope.yaml')}: file not found`);
    expect(error.hint).toMatch(/--llm script:/);
  });

  it('names a folder given as the script', () => {
    const path = join(folder, 'a-folder');
    mkdirSync(path, { recursive: true });
    expect(loadError(path).message).toMatch(/is a directory/);
  });

  it('reports a YAML syntax error with its line', () => {
    const path = write('broken.yaml', 'rules:\n  - role: planner\n    raw: "unclosed\n');
    expect(loadError(path).message).toMatch(/^script .*broken\.yaml: YAML syntax error: .*line \d+/);
  });

  it('reports a JSON syntax error as such', () => {
    const path = write('broken.json', '{ "rules": [ { "role": "planner", "raw": "x" } ');
    expect(loadError(path).message).toMatch(/broken\.json: JSON syntax error: .*line \d+/);
  });

  it('reports an empty file', () => {
    expect(loadError(write('empty.yaml', '# nothing here\n')).message).toMatch(/the file is empty/);
  });

  it('names an unknown role with the rule it is in', () => {
    const error = loadError(write('role.yaml', 'rules:\n  - role: planer\n    raw: x\n'));
    expect(error.message).toMatch(
      /role\.yaml: rules\[0\]\.role: unknown role "planer"; expected planner, sequencer/,
    );
    expect(error.hint).toMatch(/exactly one of respond, error or raw/);
  });

  it('names an invalid title regex', () => {
    const error = loadError(
      write('regex.yaml', 'rules:\n  - role: planner\n    title: "(unclosed"\n    raw: x\n'),
    );
    expect(error.message).toMatch(/rules\[0\]\.title: invalid regular expression "\(unclosed"/);
  });

  it('names a rule with neither respond, error nor raw', () => {
    const error = loadError(
      write('empty-rule.yaml', 'rules:\n  - role: planner\n  - role: checker\n    raw: x\n'),
    );
    expect(error.message).toMatch(
      /rules\[0\]: the rule has neither respond, error nor raw; give exactly one/,
    );
  });

  it('names a rule with two answers', () => {
    const error = loadError(
      write('two.yaml', 'rules:\n  - role: planner\n    raw: x\n    error: { status: 500 }\n'),
    );
    expect(error.message).toMatch(/rules\[0\]: the rule has error and raw; give exactly one/);
  });

  it('names a misspelled key instead of ignoring it', () => {
    const error = loadError(write('typo.yaml', 'rules:\n  - role: planner\n    repond: { tasks: [] }\n'));
    expect(error.message).toMatch(/repond/);
  });

  it('rejects auto for roles other than the sequencer', () => {
    const error = loadError(write('auto.yaml', 'rules:\n  - role: planner\n    respond: auto\n'));
    expect(error.message).toMatch(/rules\[0\]\.respond: respond: auto only answers the sequencer/);
  });

  it('names a template that does not parse, with its place in the answer', () => {
    const error = loadError(
      write('template.yaml', 'defaults:\n  checker: { verdict: pass, feedback: "{{#if node.title}}open" }\n'),
    );
    expect(error.message).toMatch(/defaults\.checker\.feedback: invalid template: /);
  });

  it('lists every problem when there are several', () => {
    const error = loadError(
      write(
        'many.yaml',
        'rules:\n  - role: nobody\n    raw: x\n  - role: checker\n    error: { status: 200 }\n',
      ),
    );
    expect(error.message).toMatch(
      /has 2 problems:\n {2}- rules\[0\]\.role: .*\n {2}- rules\[1\]\.error\.status: /,
    );
  });
});
