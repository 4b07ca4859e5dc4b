/**
 * How integration suites find and control the servers of `scripts/services` (see test/README.md).
 * Not a suite itself: it has no tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

/** The repository root (suites run compiled from dist/test/, two levels down). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A variable of `scripts/services env`: from the environment, else from the test/.services.env that
 * `scripts/services start` wrote, else `fallback` (the script's default).
 */
export function serviceVar(name: string, fallback: string): string {
  const set = process.env[name];
  if (set) return set;
  try {
    const m = new RegExp(`^${name}=(.+)$`, 'm').exec(readFileSync(join(ROOT, 'test/.services.env'), 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // no env file: fall through to the default of scripts/services
  }
  return fallback;
}

/** Where the Redis of `scripts/services` listens. */
export function redisUrl(): string {
  return serviceVar('WEIR_REDIS_URL', 'redis://127.0.0.1:6390');
}

/** Where the MLServer (KServe v2) of `scripts/services` listens. */
export function mlserverUrl(): string {
  return serviceVar('WEIR_MLSERVER_URL', 'http://127.0.0.1:8090');
}

/** Starts or stops a server of `scripts/services`; a suite that stops one starts it again in a `finally`. */
export function services(cmd: 'start' | 'stop', service: string): void {
  execFileSync('bash', [join(ROOT, 'scripts/services'), cmd, service], { stdio: 'pipe', timeout: 120_000 });
}

/** A connected client, or an error that says how to start the server. */
export async function connectRedis(url: string): Promise<Redis> {
  const raw = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  raw.on('error', () => {});
  try {
    await raw.connect();
    await raw.ping();
  } catch (err) {
    raw.disconnect();
    throw new Error(`no Redis at ${url} (${(err as Error).message}); run: bash scripts/services start`, { cause: err });
  }
  return raw;
}
