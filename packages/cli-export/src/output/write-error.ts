/**
 * A failed write of an output, naming the user's path (not the temporary) and the system error:
 * `cannot write <path>: ENOSPC: no space left on device`.
 * `code` is the system's errno code (`ENOSPC`, `EACCES`), the stable name scripts already know;
 * `NFW_WRITE_FAILED` when the failure carries none.
 */
export class WriteError extends Error {
  override readonly name = 'WriteError';
  readonly path: string;
  readonly code: string;

  constructor(target: string, cause: unknown) {
    const e = cause as NodeJS.ErrnoException;
    // Node's text is "<CODE>: <description>, <syscall> '<temp path>'": keep code and description.
    const reason = (e?.message ?? String(cause)).replace(/, [a-z_]+(?: '.*)?$/, '');
    super(`cannot write ${target}: ${reason}`, { cause });
    this.path = target;
    this.code = typeof e?.code === 'string' ? e.code : 'NFW_WRITE_FAILED';
  }
}

/** Wrap a system error (errno code) of writing `target`; anything else (abort, NfwError) passes through. */
export function asWriteError(target: string, error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (e instanceof WriteError || typeof e?.code !== 'string' || typeof e.syscall !== 'string') return error;
  if (e.code === 'EPIPE') return error;
  // An error on another path (reading an input or a spool) is not a write of the target.
  if (typeof e.path === 'string' && e.path !== target && !e.path.includes('.nfw-tmp-')) return error;
  return new WriteError(target, error);
}
