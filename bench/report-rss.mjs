// Preloaded into a CLI process by the startup benchmark: writes the process's peak RSS (bytes) to
// the file named by ARBOR_BENCH_RSS_FILE when it exits.
import { writeFileSync } from 'node:fs';

const file = process.env.ARBOR_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
