// Errors that reach the user as a message and a hint, never a stack trace.

/** A user-facing failure with a hint (bad config, missing run, …): printed without a stack, exit 2. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
