/** A command the host refused (its `error.code`), or `offline` / `timeout` when no ack came. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
