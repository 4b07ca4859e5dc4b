import { Redis } from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { ExternalError, UserError, WeirError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import type { RetryOptions } from '../../core/retry.js';

/** How to reach a Redis server and how hard to try. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** Shown in errors and logs, e.g. `feature-sink:fraud`. Defaults to `redis`. */
  origin?: string;
  /** Per attempt; a connect or command slower than this counts as a failed attempt (default 2000 ms). */
  timeoutMs?: number;
  /** Retries of one operation (a pipeline, a script) before it fails; see `retry`. Default 4 attempts. */
  retry?: RetryOptions;
}

/** Scripts a connection registers once; each becomes a method on the client and on its pipelines. */
export interface RedisScript {
  name: string;
  numberOfKeys: number;
  lua: string;
}

/**
 * One Redis client with weir's error policy: every operation is retried with backoff and then fails
 * with an `ExternalError` that names the server, so a failed lookup or write says where to look.
 *
 * Commands are not queued while the connection is down (no offline queue): an attempt waits at most
 * `timeoutMs` for the client to reconnect, so the retry loop here (not ioredis) decides how long an
 * operation may wait.
 */
export class RedisConnection {
  /** `redis at host:port`, for messages. */
  readonly server: string;
  readonly origin: string;
  private client: Redis;
  private readonly newClient: () => Redis;
  private readonly retryOptions: RetryOptions;
  private connecting: { client: Redis; promise: Promise<void> } | undefined;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: RedisConnectionOptions, scripts: readonly RedisScript[] = []) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new UserError(`"${options.url}" is not a Redis URL`, { hint: 'write it as redis://host:port, e.g. redis://127.0.0.1:6379' });
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new UserError(`"${options.url}" is not a Redis URL (scheme ${parsed.protocol})`, { hint: 'write it as redis://host:port' });
    }
    this.server = `redis at ${parsed.hostname}:${parsed.port || '6379'}`;
    this.origin = options.origin ?? 'redis';
    const timeout = options.timeoutMs ?? 2000;
    this.timeoutMs = timeout;
    this.retryOptions = { attempts: 4, initialDelayMs: 50, maxDelayMs: 1000, ...options.retry };
    this.newClient = () => {
      const client = new Redis(options.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: timeout,
        commandTimeout: timeout,
        retryStrategy: (times) => Math.min(50 * times, 1000),
      });
      // Without a listener ioredis prints every connection error; failures reach callers through `run`.
      client.on('error', () => {});
      for (const s of scripts) client.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
      return client;
    };
    this.client = this.newClient();
  }

  /**
   * Runs `fn` against the client, retrying failures that may pass (connection lost, timeouts). Errors
   * the server answers with (a wrong type, a script error) are not retried.
   */
  async run<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new WeirError(`${this.server}: ${what} after close`, { domain: 'internal', origin: this.origin });
    let attempts = 0;
    try {
      return await retry(async () => {
        attempts++;
        try {
          await this.ensureConnected();
          return await fn(this.client);
        } catch (err) {
          throw this.wrap(err, what);
        }
      }, this.retryOptions);
    } catch (err) {
      // Stop the background reconnect loop, so a caller that gave up (a failed job) is not kept alive by
      // it, and start over with a fresh client on the next `run` (a disconnected client may stay stuck in
      // `reconnecting`).
      if (this.client.status !== 'ready') {
        this.client.disconnect();
        this.client = this.newClient();
      }
      if (err instanceof ExternalError && err.retriable && attempts > 1) {
        throw new ExternalError(`${err.message} (gave up after ${attempts} attempts)`, {
          origin: this.origin, cause: err.cause, hint: err.hint, retriable: true,
        });
      }
      throw err;
    }
  }

  /** Runs a pipeline built by `build` and returns each command's reply; a failed command fails the whole call. */
  async pipeline(what: string, build: (p: ChainableCommander) => void): Promise<unknown[]> {
    return this.run(what, async (client) => {
      const p = client.pipeline();
      build(p);
      const results = (await p.exec()) ?? [];
      const replies: unknown[] = new Array(results.length);
      for (let i = 0; i < results.length; i++) {
        const [err, reply] = results[i]!;
        if (err) throw err;
        replies[i] = reply;
      }
      return replies;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // The server went away meanwhile; disconnect below still frees the socket.
      }
    }
    this.client.disconnect();
  }

  private async ensureConnected(): Promise<void> {
    const client = this.client;
    const status = client.status;
    if (status === 'ready') return;
    if (status === 'wait' || status === 'end') {
      if (this.connecting?.client !== client) {
        const promise = client.connect().finally(() => { if (this.connecting?.client === client) this.connecting = undefined; });
        this.connecting = { client, promise };
      }
      await this.connecting.promise;
      return;
    }
    // Connecting or reconnecting in the background: give it one timeout to get there.
    await new Promise<void>((resolve, reject) => {
      const onReady = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(new Error(`not connected within ${this.timeoutMs} ms (${client.status})`));
      }, this.timeoutMs);
      client.once('ready', onReady);
    });
  }

  private wrap(err: unknown, what: string): WeirError {
    if (err instanceof WeirError) return err;
    const message = err instanceof Error ? err.message : String(err);
    // A ReplyError is the server's answer to a bad command: asking again gives the same answer.
    const reply = err instanceof Error && err.name === 'ReplyError';
    return new ExternalError(`${this.server}: ${what} failed: ${message}`, {
      origin: this.origin,
      cause: err,
      retriable: !reply,
      hint: reply ? 'the server rejected the command; check the key layout and the Redis version (>= 6)' : 'is the server running and reachable? (for tests: bash scripts/services start)',
    });
  }
}
