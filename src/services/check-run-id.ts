// Run ids name folders and files in every store and catalog, so one that could leave its folder ('..', '/')
// or hide itself ('.x', skipped by listings) is refused here, whatever the caller checked before.
import { UserError } from '../core/errors.js';

export function assertSafeRunId(runId: string): void {
  if (runId === '' || runId.startsWith('.') || /[/\\\0]/.test(runId))
    throw new UserError(
      `run id "${runId}" cannot name a folder: it must not be empty, start with "." or contain "/" or "\\"`,
      'use letters, digits, "_", "-" and "."',
    );
}
