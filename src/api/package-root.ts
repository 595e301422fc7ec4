import { fileURLToPath } from 'node:url';

/** The folder Arbor is installed in: its own `agents/` and `prompts/` are the defaults. */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
