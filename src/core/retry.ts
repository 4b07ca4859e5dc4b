import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Multiplier applied to the delay after each failure. */
  factor?: number;
  /** Decides whether an error is worth another attempt; defaults to `isRetriable`. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, an error is not retriable, or the attempts run out.
 * Delays grow exponentially with full jitter, so many clients retrying at once spread out.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const initial = options.initialDelayMs ?? 50;
  const max = options.maxDelayMs ?? 5_000;
  const factor = options.factor ?? 2;
  const shouldRetry = options.shouldRetry ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !shouldRetry(err, attempt) || options.signal?.aborted) throw err;
      const ceiling = Math.min(max, initial * factor ** (attempt - 1));
      const delay = Math.random() * ceiling;
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
      // Aborted while waiting: give up with the last error rather than try once more.
      if (options.signal?.aborted) throw err;
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
