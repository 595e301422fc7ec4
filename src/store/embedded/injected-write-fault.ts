/**
 * TEST ONLY: simulates a store disk that fills up or turns read-only mid-run, which tests cannot
 * cause for real (they run as root, for whom `chmod` blocks nothing). Set
 * `ARBOR_TEST_FAULT=store-writes-fail-after:N[:CODE]` and, once this process has appended N
 * journal records, every later write of the embedded store (journal, decisions, model calls,
 * `run.json`) fails as the operating system would with CODE: `ENOSPC` (disk full, the default) or
 * `EROFS` (read-only file system). Unset, nothing changes. Not a user setting; never documented as one.
 */
export const testFaultVariable = 'ARBOR_TEST_FAULT';

interface Fault {
  after: number;
  code: 'ENOSPC' | 'EROFS';
}

const messages: Record<Fault['code'], string> = {
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

let fault: Fault | null | undefined;
let journalAppends = 0;

function configured(): Fault | null {
  if (fault !== undefined) return fault;
  const match = /^store-writes-fail-after:(\d+)(?::(ENOSPC|EROFS))?$/.exec(
    process.env[testFaultVariable] ?? '',
  );
  fault = match
    ? { after: Number(match[1]), code: (match[2] as Fault['code'] | undefined) ?? 'ENOSPC' }
    : null;
  return fault;
}

/**
 * Throws the configured system error when the fault is active, before a write to `path`; counts
 * journal appends (`journal: true`) that go through.
 */
export function throwInjectedWriteFault(path: string, options: { journal: boolean }): void {
  const active = configured();
  if (active === null) return;
  if (journalAppends >= active.after) {
    const error = new Error(
      `${active.code}: ${messages[active.code]}, write '${path}'`,
    ) as NodeJS.ErrnoException;
    error.code = active.code;
    error.syscall = 'write';
    error.path = path;
    throw error;
  }
  if (options.journal) journalAppends += 1;
}
