// One error base class with a code; subclasses carry decisions. Users see `message` (one line with the fix).

export class AdrsError extends Error {
  readonly code: string;
  /** Whether repeating the same operation may succeed (network hiccups, rate limits). */
  readonly isRetryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; isRetryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdrsError';
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
  }
}

/** Bad user input (a file, field or flag). The message names it and says how to fix it. */
export class InputError extends AdrsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('input', message, options);
    this.name = 'InputError';
  }
}

/** Something that should exist does not (a run, a candidate, a problem). */
export class NotFoundError extends AdrsError {
  constructor(message: string) {
    super('not-found', message);
    this.name = 'NotFoundError';
  }
}

/** Turns anything thrown into an AdrsError, keeping the original as `cause`. */
export function coerceError(error: unknown): AdrsError {
  if (error instanceof AdrsError) return error;
  if (error instanceof Error) return new AdrsError('internal', error.message, { cause: error });
  return new AdrsError('internal', String(error));
}
