import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { exportFormats, exportRun, type ExportFormat } from '../export-run.js';
import { assembleTree } from '../tree-view.js';
import { getRun } from '../../api/queries.js';

interface ExportFlags extends CommonFlags {
  format: ExportFormat;
  out?: string;
}

function exportFormat(value: string): ExportFormat {
  const format = exportFormats.find((candidate) => candidate === value);
  if (!format) throw new InvalidArgumentError(`"${value}" is not an export format; use ${exportFormats.join(', ')}.`);
  return format;
}

/** `arbor export RUN --format json|markdown|mermaid [--out FILE]`: the run's results, to hand on. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write a run out: nested JSON, a markdown report with every result, or a Mermaid graph of the tree and its dependencies')
    .argument('<run>', 'run id')
    .option('--format <format>', exportFormats.join(' | '), exportFormat, 'markdown')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (runId: string, flags: ExportFlags) => {
      const store = await openStore(flags.store);
      try {
        const run = await getRun(store, runId);
        const text = exportRun(flags.format, run, assembleTree(run, await store.listNodes(runId)));
        if (flags.out === undefined) {
          process.stdout.write(text);
          return;
        }
        const file = path.resolve(flags.out);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
        print(`Wrote ${flags.format} of run ${runId} to ${file}`);
      } finally {
        await store.close();
      }
    });
}
