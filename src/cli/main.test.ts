import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandEntries, commandNamed } from './main.js';

const noExitCode = () => undefined;

describe('the command table (commands load only when they run)', () => {
  it('lists every command as its own module describes it', async () => {
    const program = await buildProgram(noExitCode);
    const help = new Help();
    expect(program.commands.map((command) => ({ name: command.name(), term: help.subcommandTerm(command), description: command.description() }))).toEqual(
      commandEntries.map(({ name, term, description }) => ({ name, term, description })),
    );
  });

  it('has a row for every command module', async () => {
    const modules = (await readdir(path.join(import.meta.dirname, 'commands'))).filter((file) => file.endsWith('-command.ts'));
    const loaded = await Promise.all(commandEntries.map(async (entry) => (await entry.load()).name));
    for (const file of modules) {
      const name = file.replace(/-command\.ts$/, '');
      const register = `register${name.split('-').map((part) => part[0]!.toUpperCase() + part.slice(1)).join('')}Command`;
      expect(loaded, `${file} has no row in commandEntries (src/cli/main.ts)`).toContain(register);
    }
  });

  it('prints the same `arbor --help` with no command loaded as with all of them', async () => {
    const lazy = await buildProgram(noExitCode, () => false);
    const eager = await buildProgram(noExitCode);
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
    expect(lazy.helpInformation()).toContain('tree [options] <run>');
  });

  it('loads only the command asked for, with its options', async () => {
    const program = await buildProgram(noExitCode, (name) => name === 'tree');
    const byName = new Map(program.commands.map((command) => [command.name(), command]));
    expect(byName.get('tree')!.options.map((option) => option.long)).toContain('--depth');
    expect(byName.get('runs')!.options).toEqual([]);
    expect(program.commands.map((command) => command.name())).toEqual(commandEntries.map((entry) => entry.name));
  });

  it('finds the command in argv past the global options', () => {
    expect(commandNamed(['tree', 'r-1', '--json'])).toBe('tree');
    expect(commandNamed(['--store', 'runs', 'tree', 'r-1'])).toBe('tree');
    expect(commandNamed(['--store=runs', '-v', 'runs'])).toBe('runs');
    expect(commandNamed(['--verbose', 'help', 'resume'])).toBe('resume');
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(commandNamed([])).toBeUndefined();
  });
});
