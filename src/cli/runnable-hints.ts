const commands = 'run|resume|approve|tree|show|runs|logs|export|cancel|worker|workers';
const suggested = new RegExp(`(?<![\\w-]|run )arbor (?=(?:${commands})\\b)`, 'g');

/**
 * How the user runs Arbor here: through npm (`npm start`, `npm run arbor`, where no `arbor` is on the
 * PATH) or as the installed `arbor` command.
 */
export function arborCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_lifecycle_event === 'arbor' || env.npm_lifecycle_event === 'start' ? 'npm run arbor --' : 'arbor';
}

/**
 * A line for people with every suggested `arbor COMMAND …` in the form that runs where the user is
 * (`npm run arbor -- COMMAND …` under npm), so a hint pasted into the shell works as printed.
 */
export function runnableHints(line: string, env: NodeJS.ProcessEnv = process.env): string {
  const command = arborCommand(env);
  return command === 'arbor' ? line : line.replace(suggested, `${command} `);
}
