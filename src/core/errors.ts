/**
 * Who is at fault for an error, which decides what a caller does with it:
 * - `user`: bad input, bad SQL, a bad option. Retrying cannot help; the message says what to change.
 * - `external`: a server, disk or network outside weir. Often retriable.
 * - `internal`: a bug in weir. Report it.
 */
export type ErrorDomain = 'user' | 'external' | 'internal';

export interface WeirErrorOptions {
  domain?: ErrorDomain;
  retriable?: boolean;
  cause?: unknown;
  /** The operator, connector or component that raised the error, e.g. `window(tumble)` or `log:orders`. */
  origin?: string;
  /** A short hint that says what to do about it. */
  hint?: string;
}

/**
 * The one error base class of weir. Every error raised on purpose is a `WeirError`, so callers can
 * decide by `domain` and `retriable` instead of by message text.
 *
 * @example
 * throw new WeirError('topic "orders" does not exist', {
 *   domain: 'user', origin: 'log', hint: 'create it with `weir topic create orders`',
 * });
 */
export class WeirError extends Error {
  readonly domain: ErrorDomain;
  readonly retriable: boolean;
  readonly origin: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeirError';
    this.domain = options.domain ?? 'internal';
    this.retriable = options.retriable ?? false;
    this.origin = options.origin;
    this.hint = options.hint;
  }

  /** The message with origin and hint, as shown to a person. */
  describe(): string {
    const where = this.origin ? `[${this.origin}] ` : '';
    const hint = this.hint ? `\n  hint: ${this.hint}` : '';
    return `${where}${this.message}${hint}`;
  }
}

/** An error caused by what the user wrote or sent: a bad option, a malformed record, an unsupported construct. */
export class UserError extends WeirError {
  constructor(message: string, options: Omit<WeirErrorOptions, 'domain'> = {}) {
    super(message, { ...options, domain: 'user' });
    this.name = 'UserError';
  }
}

/** An error from outside weir (disk, network, a server) that may go away when retried. */
export class ExternalError extends WeirError {
  constructor(message: string, options: Omit<WeirErrorOptions, 'domain'> = {}) {
    super(message, { retriable: true, ...options, domain: 'external' });
    this.name = 'ExternalError';
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof WeirError && err.retriable;
}

/** The message of anything thrown, for logs and dead-letter reasons. */
export function errorMessage(err: unknown): string {
  if (err instanceof WeirError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
