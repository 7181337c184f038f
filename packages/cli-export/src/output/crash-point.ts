/**
 * Test-only fault injection for the finalization of an export: with NFW_FLOWS_TEST_CRASH_AT=<step>
 * the process SIGKILLs itself when it reaches that step, so tests can check every on-disk state a
 * kill can leave (the exit hook does not run, exactly as with a real `kill -9`). Steps:
 * `after-open` (empty data temporary), `before-commit` (data and status staged, checkpoint records them), `after-first-object` (S3
 * datasets: the first object uploaded), `after-data` (data renamed into place: the commit point), `after-status`, `after-rejects`, `after-partial-rename`, `after-cleanup`.
 * Unset in normal use; it reads nothing else and changes nothing.
 */
export function crashPoint(step: string): void {
  if (process.env.NFW_FLOWS_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
